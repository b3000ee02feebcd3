package intakecsv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Encoding is the character encoding a file is read in.
type Encoding string

// The encodings of an intake-card file. Options.Encoding "" (the default)
// detects: a file that is valid UTF-8 is read as UTF-8, any other as
// windows-1252, what Italian Excel saves by default.
const (
	UTF8        Encoding = "UTF-8"
	Windows1252 Encoding = "windows-1252"
)

// ErrMixedEncoding is returned by Next, with detection on, when the file
// turns out not to be valid UTF-8 after the reader has already handed out
// UTF-8 text beyond ASCII: the whole file must be read again from its start
// with Options.Encoding = Windows1252. Detection looks at a window of
// detectWindow bytes before handing any of them out, so this happens only
// when the first byte that is not UTF-8 comes that far after the first
// UTF-8 letter beyond ASCII (a windows-1252 file almost never holds one).
var ErrMixedEncoding = errors.New("intakecsv: the file is not valid UTF-8 after its first UTF-8 text: read it again as windows-1252")

// detectWindow is how far detection looks ahead before handing out text.
const detectWindow = 64 << 10

// textReader hands out a file's text as UTF-8: as it is while the file is
// valid UTF-8, decoded from windows-1252 once it is not. A leading UTF-8
// BOM is dropped. It decides for the whole file in bounded memory: bytes
// are handed out only after a window of the file has been checked, and the
// switch to windows-1252 happens only while everything handed out so far
// was ASCII, which both encodings read alike. Otherwise it fails with
// ErrMixedEncoding.
type textReader struct {
	src     io.Reader
	srcErr  error // the first error of src, io.EOF at its end
	raw     []byte
	r, v, w int  // raw[r:v] checked UTF-8 not yet handed out; raw[v:w] not checked yet
	bad     bool // raw[v] starts a sequence that is not UTF-8
	started bool // the BOM has been looked for
	force   bool // windows-1252 from the start
	high    bool // text beyond ASCII has been handed out as UTF-8
	dec     io.Reader
	enc     Encoding
}

func newTextReader(src io.Reader, enc Encoding) (*textReader, error) {
	switch enc {
	case "", UTF8, Windows1252:
	default:
		return nil, fmt.Errorf("intakecsv: unknown encoding %q", string(enc))
	}
	return &textReader{src: src, raw: make([]byte, detectWindow), force: enc == Windows1252, enc: UTF8}, nil
}

// Encoding is the encoding chosen so far; it is final once the reader has
// reached the end of the file.
func (t *textReader) Encoding() Encoding { return t.enc }

func (t *textReader) Read(p []byte) (int, error) {
	if t.dec != nil {
		return t.dec.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if t.v == t.r && !t.bad {
		t.fill()
	}
	if t.force || (t.bad && !t.high) {
		t.toWindows1252()
		return t.dec.Read(p)
	}
	if t.v == t.r {
		if t.bad {
			return 0, ErrMixedEncoding
		}
		return 0, t.srcErr
	}
	n := copy(p, t.raw[t.r:t.v])
	if !t.high {
		for _, b := range p[:n] {
			if b >= utf8.RuneSelf {
				t.high = true
				break
			}
		}
	}
	t.r += n
	return n, nil
}

// fill moves the unread bytes to the front of the window, reads until the
// window is full or src fails, and checks what it read.
func (t *textReader) fill() {
	if t.srcErr == nil {
		copy(t.raw, t.raw[t.r:t.w])
		t.w -= t.r
		t.v -= t.r
		t.r = 0
		for empty := 0; t.w < len(t.raw) && t.srcErr == nil; {
			n, err := t.src.Read(t.raw[t.w:])
			t.w += n
			t.srcErr = err
			if n == 0 && err == nil {
				if empty++; empty >= 100 {
					t.srcErr = io.ErrNoProgress
				}
			}
		}
	}
	if !t.started && (t.w-t.r >= 3 || t.srcErr != nil) {
		t.started = true
		if bytes.HasPrefix(t.raw[t.r:t.w], []byte("\uFEFF")) {
			t.r += 3
			t.v = t.r
		}
	}
	t.check()
}

// check advances v over complete UTF-8 sequences; it stops at an
// incomplete one at the end of the window while more input may come.
func (t *textReader) check() {
	for t.v < t.w {
		if t.raw[t.v] < utf8.RuneSelf {
			t.v++
			continue
		}
		rest := t.raw[t.v:t.w]
		if !utf8.FullRune(rest) {
			t.bad = t.srcErr != nil
			return
		}
		c, size := utf8.DecodeRune(rest)
		if c == utf8.RuneError && size == 1 {
			t.bad = true
			return
		}
		t.v += size
	}
}

// toWindows1252 decodes what is left of the file, the window's unread
// bytes then the rest of src, as windows-1252.
func (t *textReader) toWindows1252() {
	rest := []io.Reader{bytes.NewReader(t.raw[t.r:t.w])}
	switch {
	case t.srcErr == nil:
		rest = append(rest, t.src)
	case t.srcErr != io.EOF:
		rest = append(rest, errReader{t.srcErr})
	}
	t.dec = charmap.Windows1252.NewDecoder().Reader(io.MultiReader(rest...))
	t.enc = Windows1252
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
