package idempotency

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
)

// uploadFingerprint reads a GraphQL multipart request (operations, map,
// then the files) and hashes its operation with each file's SHA-256 in
// place of the file: the multipart boundary, which changes at every
// sending, and the file names do not count. The body is copied to a
// temporary file as it is read, which then stands for the body; cleanup
// removes it. The request is not one the key applies to when its form is
// not an upload's (gqlgen refuses it).
func uploadFingerprint(r *http.Request, maxTokens int) (fp string, applies bool, cleanup func(), err error) {
	cleanup = func() {}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return "", false, cleanup, nil
	}
	spool, err := os.CreateTemp("", "segretariato-upload-")
	if err != nil {
		return "", false, cleanup, err
	}
	cleanup = func() {
		spool.Close()
		os.Remove(spool.Name())
	}
	body := io.TeeReader(r.Body, spool)
	op, applies := readUpload(multipart.NewReader(body, params["boundary"]), maxTokens)
	// What the parts did not read is copied too: the body stays whole.
	if _, err := io.Copy(io.Discard, body); err != nil {
		return "", false, cleanup, err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return "", false, cleanup, err
	}
	r.Body = spool
	if !applies {
		return "", false, cleanup, nil
	}
	fp, applies = hash(op)
	return fp, applies, cleanup, nil
}

// readUpload reads the parts in gqlgen's order: operations, map, files.
func readUpload(mr *multipart.Reader, maxTokens int) ([]any, bool) {
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "operations" {
		return nil, false
	}
	op, ok := operation(part, maxTokens)
	if !ok {
		return nil, false
	}
	part, err = mr.NextPart()
	if err != nil || part.FormName() != "map" {
		return nil, false
	}
	var paths map[string][]string
	if err := json.NewDecoder(part).Decode(&paths); err != nil {
		return nil, false
	}
	var files [][2]string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		h := sha256.New()
		if _, err := io.Copy(h, part); err != nil {
			return nil, false
		}
		files = append(files, [2]string{part.FormName(), hex.EncodeToString(h.Sum(nil))})
	}
	return []any{op, paths, files}, true
}
