package intakeio

// ExportPage lets the tests make pages small, so that keyset pagination
// crosses many page boundaries (and ties on occurred_at) on the sample.
var ExportPage = &exportPage

// CopyEnabled lets the tests import into PostgreSQL with the ent writer,
// as when COPY is not available.
var CopyEnabled = &copyEnabled
