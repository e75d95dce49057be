"""The rule set for form tools, and what their exports mean.

When each question is shown, as a tree every tool can write (skiplogic), then a FHIR Questionnaire
and GuidanceResponse (fhir), a REDCap data dictionary (redcap) and an ODK XLSForm (xlsform), with
the column maps that read those tools' exports back. Imports core and read.
"""
