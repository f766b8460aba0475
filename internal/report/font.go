package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// FontPackage is the Debian package whose font the PDF embeds.
const FontPackage = "fonts-ipaexfont-gothic"

// fontPaths are where Debian and other systems put IPAex Gothic, a TrueType
// font with the JIS X 0213 kanji that renders Japanese and Latin text alike.
var fontPaths = []string{
	"/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
	"/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
	"/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
	"/usr/share/fonts/ipaexfont-gothic/ipaexg.ttf",
	"/usr/local/share/fonts/ipaexg.ttf",
}

// FindFont returns the path of the font the PDF embeds: path when it is not
// empty, else the first of the known places that holds a file.
func FindFont(path string) (string, error) { return findFont(path, fontPaths) }

func findFont(path string, candidates []string) (string, error) {
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("report: font %q: %w", path, err)
		}
		return path, nil
	}
	for _, p := range candidates {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("report: font %q: %w", p, err)
		}
	}
	return "", fmt.Errorf("report: no Japanese font for the PDF in %v: install the Debian package %s (apt-get install %s)", candidates, FontPackage, FontPackage)
}
