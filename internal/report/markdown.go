package report

import (
	"fmt"
	"strings"

	"github.com/sipvet/sipvet/internal/finding"
)

// mdEscape backslash-escapes the Markdown punctuation that could start
// markup (emphasis, code, links and images — an escaped "[" cannot open one —,
// raw HTML, autolinks, entities, tables, headings), so hostile text renders
// as text.
func mdEscape(x any) string {
	s := toString(x)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[<>|~#&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCell escapes text for a table cell: one line, escaped.
func mdCell(x any) string {
	s := strings.Join(strings.Fields(toString(x)), " ")
	if s == "" {
		return " "
	}
	return mdEscape(s)
}

// mdFence returns a backtick fence longer than any backtick run in s, so
// that s cannot close the code block early.
func mdFence(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// mdMark is the colour mark of a verdict in Markdown, where there is no CSS.
func mdMark(x any) string {
	switch finding.Verdict(toString(x)) {
	case finding.Vulnerable:
		return "🔴"
	case finding.Inconclusive:
		return "🟡"
	case finding.NotVulnerable:
		return "🟢"
	case finding.NotApplicable:
		return "⚪"
	case finding.Skipped:
		return "⏭️"
	}
	return "—"
}

// toString renders a template value (string or string-kinded type) as text.
func toString(x any) string {
	if x == nil {
		return ""
	}
	return fmt.Sprint(x)
}
