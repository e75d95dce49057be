"""Reading files into validated models: every byte from outside comes in here.

Safe file handling and the one atomic, owner-only write (files), strict YAML (yamlsafe) and the
file-kind check (filekinds), rule files (loader), answers files (answerfile), map files (mapfile),
cases files (casefile) and FHIR QuestionnaireResponses (fhirresponse). Imports only core.
"""
