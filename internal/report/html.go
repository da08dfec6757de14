package report

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	texttemplate "text/template"
)

// templateFS holds the report templates; it is read-only.
//
//go:embed templates
var templateFS embed.FS

// funcs returns the template functions shared by the HTML and Markdown
// templates.
func funcs(v *view) map[string]any {
	return map[string]any{
		"T":     v.t,
		"class": cssClass,
	}
}

func renderHTML(w io.Writer, v *view) error {
	tmpl, err := htmltemplate.New("report.html.tmpl").Funcs(funcs(v)).ParseFS(templateFS, "templates/report.html.tmpl")
	if err != nil {
		return fmt.Errorf("report: parse html template: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		return fmt.Errorf("report: render html: %w", err)
	}
	return write(w, buf.Bytes())
}

func renderMarkdown(w io.Writer, v *view) error {
	f := funcs(v)
	f["md"] = mdEscape
	f["cell"] = mdCell
	f["fence"] = mdFence
	f["mark"] = mdMark
	tmpl, err := texttemplate.New("report.md.tmpl").Funcs(f).ParseFS(templateFS, "templates/report.md.tmpl")
	if err != nil {
		return fmt.Errorf("report: parse markdown template: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		return fmt.Errorf("report: render markdown: %w", err)
	}
	return write(w, buf.Bytes())
}
