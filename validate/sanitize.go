package validate

import (
	"bytes"
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
)

// bodyPolicy is what an article body may hold: the elements of prose,
// quotes, lists, tables and figures, links and images, nothing that runs
// code or restyles the reader's page. Scripts and styles go with their
// content; event handlers, style and class attributes go; URLs must parse
// and be http, https or mailto (or relative, resolved when a feed is built).
var bodyPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs() // http, https, mailto; parseable; relative allowed
	// The body is the publisher's own text, not user comments: its links
	// are endorsed, so no rel="nofollow".
	p.RequireNoFollowOnLinks(false)
	p.AllowElements("p", "br", "hr", "h2", "h3", "h4", "h5", "h6",
		"em", "strong", "b", "i", "u", "s", "sub", "sup", "small", "mark", "cite", "code", "kbd", "pre",
		"ul", "li", "dl", "dt", "dd", "figure", "figcaption",
		"table", "caption", "thead", "tbody", "tfoot", "tr")
	p.AllowAttrs("cite").OnElements("blockquote", "q")
	p.AllowElements("blockquote", "q")
	p.AllowAttrs("title").OnElements("abbr")
	p.AllowElements("abbr")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("reversed").Matching(regexp.MustCompile(`^(reversed)?$`)).OnElements("ol")
	p.AllowElements("ol")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("td", "th")
	p.AllowAttrs("scope").Matching(regexp.MustCompile(`^(row|col|rowgroup|colgroup)$`)).OnElements("th")
	p.AllowElements("td", "th")
	p.AllowAttrs("datetime").Matching(bluemonday.ISO8601).OnElements("time")
	p.AllowElements("time")
	p.AllowAttrs("href", "title").OnElements("a")
	p.AllowAttrs("src", "alt", "title").OnElements("img")
	p.AllowAttrs("width", "height").Matching(bluemonday.Integer).OnElements("img")
	// Links and images need their URL; an <a> without href keeps its text.
	p.RequireParseableURLs(true)
	return p
})

// SanitizeHTML cleans an article body before it is stored: iframes of
// known video hosts (YouTube, Vimeo) become plain links to the video, as
// feed readers show no iframes; every other iframe, every script and style
// element, event handler and style attribute is removed, as are URLs with
// schemes other than http, https and mailto. Cleaning clean HTML changes
// nothing, so writing the same article twice stores the same bytes.
func SanitizeHTML(body string) string {
	if body == "" {
		return ""
	}
	return plainText(bodyPolicy().Sanitize(linkVideos(body)))
}

// textEscaper escapes what text in HTML must not hold raw. Quotes and
// apostrophes need no escape outside attributes; the sanitiser's &#39;
// and &#34; would turn every "It's" an editor wrote into an entity.
var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\u00a0", "&nbsp;")

// plainText rewrites the text between tags with only the escapes it
// needs; tags, already clean, pass through as they are, except an <img>
// the sanitiser left without a src (a data: or javascript: URL removed):
// an image that shows nothing, and e-mail tools need a real src.
func plainText(clean string) string {
	if !strings.Contains(clean, "&") && !strings.Contains(clean, "<img") {
		return clean
	}
	z := xhtml.NewTokenizer(strings.NewReader(clean))
	var out strings.Builder
	for {
		switch tt := z.Next(); tt {
		case xhtml.ErrorToken:
			return out.String()
		case xhtml.TextToken:
			out.WriteString(textEscaper.Replace(html.UnescapeString(string(z.Raw()))))
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			raw := string(z.Raw())
			if name, hasAttr := z.TagName(); string(name) == "img" && !hasSrc(z, hasAttr) {
				continue
			}
			out.WriteString(raw)
		default:
			out.Write(z.Raw())
		}
	}
}

// hasSrc reports whether the tag the tokenizer is on has a src attribute.
func hasSrc(z *xhtml.Tokenizer, more bool) bool {
	for more {
		var key []byte
		key, _, more = z.TagAttr()
		if string(key) == "src" {
			return true
		}
	}
	return false
}

var (
	youTubeHosts = map[string]bool{"www.youtube.com": true, "youtube.com": true, "m.youtube.com": true,
		"www.youtube-nocookie.com": true, "youtube-nocookie.com": true}
	youTubeID = regexp.MustCompile(`^/embed/([A-Za-z0-9_-]{6,64})$`)
	vimeoID   = regexp.MustCompile(`^/video/([0-9]{1,20})$`)
)

// VideoLink returns the watch page of an embedded player's URL and the
// name of its host, or ok=false when the player is not a known one.
func VideoLink(src string) (watch, host string, ok bool) {
	u, err := url.Parse(strings.TrimSpace(src))
	if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
		return "", "", false
	}
	h := strings.ToLower(u.Hostname())
	switch {
	case youTubeHosts[h]:
		if m := youTubeID.FindStringSubmatch(u.Path); m != nil {
			return "https://www.youtube.com/watch?v=" + m[1], "YouTube", true
		}
	case h == "player.vimeo.com":
		if m := vimeoID.FindStringSubmatch(u.Path); m != nil {
			return "https://vimeo.com/" + m[1], "Vimeo", true
		}
	}
	return "", "", false
}

// linkVideos replaces each iframe of a known video host with a link to
// its watch page. Other iframes are left for the sanitiser to remove.
func linkVideos(body string) string {
	if !strings.Contains(strings.ToLower(body), "<iframe") {
		return body
	}
	z := xhtml.NewTokenizer(strings.NewReader(body))
	var out bytes.Buffer
	skipping := false
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		// Raw first: Token lowercases names in the tokenizer's buffer.
		raw := append([]byte(nil), z.Raw()...)
		tok := z.Token()
		isIframe := tok.DataAtom.String() == "iframe"
		switch {
		case skipping:
			if tt == xhtml.EndTagToken && isIframe {
				skipping = false
			}
			continue
		case isIframe && (tt == xhtml.StartTagToken || tt == xhtml.SelfClosingTagToken):
			var src, title string
			for _, a := range tok.Attr {
				switch strings.ToLower(a.Key) {
				case "src":
					src = a.Val
				case "title":
					title = a.Val
				}
			}
			if watch, host, ok := VideoLink(src); ok {
				text := "Watch the video on " + host
				if t := strings.TrimSpace(title); t != "" {
					text = t + " (" + host + ")"
				}
				out.WriteString(`<a href="` + html.EscapeString(watch) + `">` + html.EscapeString(text) + `</a>`)
			}
			skipping = tt == xhtml.StartTagToken
			continue
		}
		out.Write(raw)
	}
	return out.String()
}
