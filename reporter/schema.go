package reporter

import _ "embed"

// SchemaFile is the JSON Schema (draft 2020-12) of wsconform.json for
// cases.SchemaVersion, documented field by field.
const SchemaFile = "schema/wsconform-results-v1.schema.json"

// Schema is the text of SchemaFile.
//
//go:embed schema/wsconform-results-v1.schema.json
var Schema []byte
