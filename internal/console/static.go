package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
)

//go:embed static
var staticFS embed.FS

// staticFiles are the embedded CSS and JavaScript, each with the checksum
// that goes into its URL: a new build changes the URL, so browsers may cache
// a file forever.
type staticFiles struct {
	files map[string][]byte // name -> content
	sums  map[string]string // name -> short sha256
}

func loadStatic() (*staticFiles, error) {
	s := &staticFiles{files: map[string][]byte{}, sums: map[string]string{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("console: cannot read static files: %w", err)
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("console: cannot read static file %q: %w", e.Name(), err)
		}
		sum := sha256.Sum256(b)
		s.files[e.Name()] = b
		s.sums[e.Name()] = hex.EncodeToString(sum[:8])
	}
	return s, nil
}

// URL returns the checksummed path of a static file.
func (s *staticFiles) URL(name string) string {
	return "/static/" + s.sums[name] + "/" + name
}

func (c *Console) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	b, ok := c.static.files[name]
	if !ok || c.static.sums[name] != r.PathValue("sum") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}
