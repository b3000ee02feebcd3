package intakeio

// ExportPage lets the tests make pages small, so that keyset pagination
// crosses many page boundaries (and ties on occurred_at) on the sample.
var ExportPage = &exportPage
