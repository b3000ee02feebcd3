// Package intakecsv reads and writes the intake-card CSV of the Segretariato
// sociale (docs/intake-csv.md, version 2): one row per contact (colloquio), the format a
// municipality uses to bring years of spreadsheet history into the backend and
// to take it out again.
//
// The package knows no database. A Reader streams the file record by record
// (decoding it from windows-1252 when it is not valid UTF-8, see Encoding),
// checks everything a row can prove on its own (formats, enumerations,
// agreement between fiscal code, birth date and sex, referral rules) and,
// through Options, the codes and operators the caller already knows. What
// needs the database (upserting by contact_ref, consent, one citizen across
// rows) is the importer's job.
//
// Errors never carry a cell's value: cells hold personal and special-category
// data. A RowError names the line, the column and a short English reason.
//
// Line numbers. Row.Line and RowError.Line count rows as a spreadsheet shows
// them: the header is line 1 and a cell with a line break inside does not
// push later rows down. This is the numbering of
// testdata/intake-sample.invalid.expected.json. Where a record starts in the file
// as a text file (an editor's line number) is Row.PhysicalLine and
// RowError.PhysicalLine. The two are the same when no cell holds a line break.
package intakecsv
