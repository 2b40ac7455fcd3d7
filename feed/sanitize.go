package feed

import (
	"encoding/xml"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// CleanText makes s safe for every document: invalid UTF-8 is repaired
// (each bad sequence becomes U+FFFD) and the characters XML 1.0 forbids are
// removed, along with the C1 controls it discourages. Tab, newline and
// carriage return stay. A string that is already clean is returned as is.
func CleanText(s string) string {
	if isClean(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if xmlAllowed(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			continue
		}
		if c < utf8.RuneSelf {
			if c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !xmlAllowed(r) {
			return false
		}
		i += n - 1
	}
	return true
}

// xmlAllowed reports whether r may appear in an XML 1.0 document (the Char
// production), less DEL and the C1 controls, which no text needs.
func xmlAllowed(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20 || r >= 0x7f && r <= 0x9f:
		return false
	case r <= 0xd7ff:
		return true
	case r >= 0xe000 && r <= 0xfffd:
		return true
	case r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// cleanInput returns a copy of in whose every string has passed CleanText,
// so that the renderers need not think about hygiene. The caller's slices
// are not modified.
func cleanInput(in *Input) Input {
	out := *in
	c := CleanText
	s := &out.Site
	s.Title, s.Description, s.URL, s.BaseURL = c(s.Title), c(s.Description), c(s.URL), c(s.BaseURL)
	s.Language, s.Icon, s.Logo, s.Rights = c(s.Language), c(s.Icon), c(s.Logo), c(s.Rights)
	s.Hubs = cleanStrings(s.Hubs)
	d := &out.Feed
	d.Name, d.Title, d.Description = c(d.Name), c(d.Title), c(d.Description)

	out.Articles = make([]Article, len(in.Articles))
	for i := range in.Articles {
		a := in.Articles[i]
		a.GUID, a.Slug, a.URL, a.Title, a.Dek = c(a.GUID), c(a.Slug), c(a.URL), c(a.Title), c(a.Dek)
		a.BodyHTML, a.Section = c(a.BodyHTML), c(a.Section)
		a.Tags = cleanStrings(a.Tags)
		a.Authors = make([]Author, len(in.Articles[i].Authors))
		for j, au := range in.Articles[i].Authors {
			a.Authors[j] = Author{Name: c(au.Name), Email: c(au.Email), URL: c(au.URL)}
		}
		a.Lead = cleanImage(a.Lead)
		if a.Video != nil {
			v := *a.Video
			v.URL, v.Title, v.MIMEType = c(v.URL), c(v.Title), c(v.MIMEType)
			v.Poster = cleanImage(v.Poster)
			a.Video = &v
		}
		a.Galleries = make([]Gallery, len(in.Articles[i].Galleries))
		for j, g := range in.Articles[i].Galleries {
			imgs := make([]Image, len(g.Images))
			for k := range g.Images {
				imgs[k] = *cleanImage(&g.Images[k])
			}
			a.Galleries[j] = Gallery{Title: c(g.Title), Images: imgs}
		}
		out.Articles[i] = a
	}

	out.Appeals = make([]Appeal, len(in.Appeals))
	for i, ap := range in.Appeals {
		ap.Name, ap.Heading, ap.Text = c(ap.Name), c(ap.Heading), c(ap.Text)
		ap.ButtonLabel, ap.URL = c(ap.ButtonLabel), c(ap.URL)
		ap.Sections = cleanStrings(ap.Sections)
		out.Appeals[i] = ap
	}
	return out
}

func cleanImage(img *Image) *Image {
	if img == nil {
		return nil
	}
	c := *img
	c.URL, c.MIMEType, c.Alt = CleanText(c.URL), CleanText(c.MIMEType), CleanText(c.Alt)
	c.Caption, c.Credit, c.CreditRole = CleanText(c.Caption), CleanText(c.Credit), CleanText(c.CreditRole)
	return &c
}

func cleanStrings(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = CleanText(s)
	}
	return out
}

// urlAttrs are the HTML attributes that hold a URL (srcset holds several).
var urlAttrs = map[string]bool{
	"href": true, "src": true, "srcset": true, "poster": true, "cite": true,
	"longdesc": true, "background": true, "action": true, "data": true,
}

// AbsoluteHTML rewrites every URL attribute of the HTML fragment s to an
// absolute URL against base. Content is read away from the article page,
// where a relative link or image would point nowhere. Tags without a
// relative URL are passed through byte for byte.
func AbsoluteHTML(base *url.URL, s string) string {
	if base == nil || !strings.Contains(s, "=") {
		return s
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			// The tokenizer stops at the end of input; an unfinished tag
			// there is kept as it was written.
			b.Write(z.Raw())
			return b.String()
		}
		raw := string(z.Raw())
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.WriteString(raw)
			continue
		}
		tok := z.Token()
		changed := false
		for i, at := range tok.Attr {
			if at.Namespace != "" || !urlAttrs[at.Key] {
				continue
			}
			var v string
			if at.Key == "srcset" {
				v = resolveSrcset(base, at.Val)
			} else {
				v = Resolve(base, strings.TrimSpace(at.Val))
			}
			if v != at.Val {
				tok.Attr[i].Val = v
				changed = true
			}
		}
		if changed {
			b.WriteString(tok.String())
		} else {
			b.WriteString(raw)
		}
	}
}

// resolveSrcset resolves each candidate URL of a srcset attribute
// ("a.png 1x, b.png 2x").
func resolveSrcset(base *url.URL, v string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		f[0] = Resolve(base, f[0])
		parts[i] = strings.Join(f, " ")
	}
	return strings.Join(parts, ", ")
}

// PlainText is the text of an HTML fragment with its whitespace collapsed,
// cut at a word boundary to at most limit runes (an ellipsis marks the cut).
// It gives items without a dek a summary for e-mails.
func PlainText(s string, limit int) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for b.Len() < 4*limit+8 {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return truncateWords(strings.Join(strings.Fields(b.String()), " "), limit)
		case html.StartTagToken:
			if name, _ := z.TagName(); string(name) == "script" || string(name) == "style" {
				skip++
			}
			b.WriteByte(' ')
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "script" || string(name) == "style" {
				skip = max(skip-1, 0)
			}
			b.WriteByte(' ')
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		}
	}
	return truncateWords(strings.Join(strings.Fields(b.String()), " "), limit)
}

func truncateWords(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	cut := string([]rune(s)[:limit])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.") + "…"
}

// textNeedsCDATA reports whether encoding/xml would write s with numeric
// character references (&#34; for a quote, &#xA; for a newline). Some
// parsers leave those undecoded, so such text goes into CDATA instead.
func textNeedsCDATA(s string) bool {
	return strings.ContainsAny(s, "\"'\t\n\r")
}

// text is character data that every parser reads back unchanged: written
// with the named entities &amp; &lt; &gt; when that suffices, as CDATA
// otherwise (encoding/xml splits a "]]>" inside it).
type text string

// MarshalXML implements xml.Marshaler.
func (t text) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return textElem{Text: string(t)}.MarshalXML(e, start)
}

var (
	_ xml.Marshaler = text("")
	_ xml.Marshaler = textElem{}
)

// textElem is an element with attributes and text content.
type textElem struct {
	Attrs []xml.Attr
	Text  string
	// CDATA forces a CDATA section, which keeps HTML content readable.
	CDATA bool
}

// typed is a text construct with a type attribute (Atom "text"/"html",
// Media RSS "plain").
func typed(typ, s string, cdata bool) *textElem {
	return &textElem{Attrs: []xml.Attr{{Name: xml.Name{Local: "type"}, Value: typ}}, Text: s, CDATA: cdata}
}

// MarshalXML implements xml.Marshaler.
func (t textElem) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start.Attr = append(start.Attr, t.Attrs...)
	if t.CDATA || textNeedsCDATA(t.Text) {
		return e.EncodeElement(struct {
			S string `xml:",cdata"`
		}{t.Text}, start)
	}
	return e.EncodeElement(struct {
		S string `xml:",chardata"`
	}{t.Text}, start)
}

var (
	htmlTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	htmlAttrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

// escapeHTMLText escapes s as HTML text with named entities only, so that
// e-mail tools and parsers that skip numeric references show it as typed.
func escapeHTMLText(s string) string { return htmlTextEscaper.Replace(s) }

// escapeHTMLAttr escapes s for a double-quoted HTML attribute value.
func escapeHTMLAttr(s string) string { return htmlAttrEscaper.Replace(s) }

// rfc822 formats t the way RSS 2.0 wants dates: RFC 822 with a four-digit
// year and a numeric zone, always UTC for determinism.
func rfc822(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC1123Z)
}

// rfc3339 formats t for Atom, at whole seconds in UTC; "" when t is zero.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// attrs builds XML attributes from name, value pairs, leaving out those
// with an empty value.
func attrs(kv ...string) []xml.Attr {
	var out []xml.Attr
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			out = append(out, xml.Attr{Name: xml.Name{Local: kv[i]}, Value: kv[i+1]})
		}
	}
	return out
}
