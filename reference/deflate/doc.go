// Package deflate is RFC 7692 permessage-deflate: the negotiation
// parameters of §7 (parse, format, validate a response, choose a response
// as a server). Compressing and decompressing messages (§7.2) come later.
package deflate
