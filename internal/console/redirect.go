package console

import (
	"net/url"
	"strings"
)

// localPath accepts only a path on this site as a redirect target, so a
// crafted link (/login?next=..., the OIDC round trip, a form's back field)
// cannot send a user elsewhere after login. Anything else gives fallback.
//
// Browsers are lenient where Go's parser is not: they drop tab and newline
// from a URL, read a backslash as a slash, and take "//host" as another
// site. So the target must be a path that starts with one "/", carries no
// control character, backslash or scheme, and names no host, both as given
// and after one more percent-decoding (for a target that is decoded again
// on its way, e.g. /%2F%2Fevil.example or /%5Cevil.example).
func localPath(s, fallback string) string {
	if !isLocalPath(s) {
		return fallback
	}
	if dec, err := url.PathUnescape(s); err != nil || !isLocalPath(dec) {
		return fallback
	}
	return s
}

func isLocalPath(s string) bool {
	if len(s) == 0 || s[0] != '/' || strings.HasPrefix(s, "//") {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\\' || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == "" && strings.HasPrefix(u.Path, "/")
}
