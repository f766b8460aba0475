package monitoring

// Title is the kind's name in lang ("ja" or "en"), as the item list
// writes it: 外形監視 / Check rather than "check".
func (k Kind) Title(lang string) string { return word(lang, "kind."+string(k)) }
