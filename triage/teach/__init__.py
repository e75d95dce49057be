"""The teaching playground: a page in the browser with questions, result, flowchart and trace
side by side (playground), served locally or exported, with its assets in web/.
"""
