package finding

import "bytes"

// appendIndent appends src, compact valid JSON as encoding/json writes it, to
// dst with one element per line, nested elements indented by indent per
// level, ": " after keys and empty objects and arrays kept as {} and [].
// The result is the same as json.Indent(dst, src, "", indent) for such
// input (TestAppendIndentMatchesJSON and FuzzAppendIndent hold it to
// that); it runs several times faster, as it copies string contents in
// runs instead of stepping a scanner over every byte. Whitespace outside
// strings is dropped.
func appendIndent(dst, src []byte, indent string) []byte {
	return appendIndentAt(dst, src, indent, 0)
}

// appendIndentAt is appendIndent for a value nested depth levels deep:
// its lines are indented as they are inside the enclosing text (the
// first line, which follows the enclosing text, is not).
func appendIndentAt(dst, src []byte, indent string, depth int) []byte {
	open := false // the last token opened an object or array
	newline := func() {
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, indent...)
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if open && c != '}' && c != ']' && !isSpace(c) {
			open = false
			newline()
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			// insignificant
		case '"':
			// Copy the string through its closing quote; a backslash
			// escapes the byte after it.
			j := i + 1
			for j < len(src) {
				k := bytes.IndexAny(src[j:], "\"\\")
				if k < 0 {
					j = len(src)
					break
				}
				j += k
				if src[j] == '\\' {
					j += 2
					continue
				}
				j++
				break
			}
			j = min(j, len(src))
			dst = append(dst, src[i:j]...)
			i = j - 1
		case '{', '[':
			dst = append(dst, c)
			depth++
			open = true
		case '}', ']':
			depth--
			if open {
				open = false
			} else {
				newline()
			}
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			// numbers, true, false, null: up to the next delimiter
			j := i + 1
			for j < len(src) && !isDelim(src[j]) {
				j++
			}
			dst = append(dst, src[i:j]...)
			i = j - 1
		}
	}
	return dst
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isDelim(c byte) bool {
	switch c {
	case ',', ':', '{', '}', '[', ']', '"', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}
