"""FHIR R4 in plain Python: code systems, the project's extension, and the Questionnaire
built from an instrument's knowledge-base record (docs/fhir.md). No Django: the
`acucare fhir` command and the web app's mapping both use it."""
