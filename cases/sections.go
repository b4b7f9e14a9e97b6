package cases

// sectionTitles names the catalogue's sections; 1-13 as Autobahn names them.
var sectionTitles = map[string]string{
	"1":  "Framing",
	"2":  "Pings/Pongs",
	"3":  "Reserved Bits",
	"4":  "Opcodes",
	"5":  "Fragmentation",
	"6":  "UTF-8 Handling",
	"7":  "Close Handling",
	"9":  "Limits/Performance",
	"10": "Miscellaneous",
	"12": "WebSocket Compression (different payloads)",
	"13": "WebSocket Compression (different parameters)",
}

// SectionTitle is the human name of a section ("5" -> "Fragmentation").
func SectionTitle(section string) string {
	if t, ok := sectionTitles[section]; ok {
		return t
	}
	return "Section " + section
}
