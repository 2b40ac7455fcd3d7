package feed

import (
	"fmt"
	"html"
	"net/url"
	"strings"
)

// ContentHTML is the full HTML of an article as every format carries it:
// the lead image first (some clients take the first <img> as the item's
// picture), the body, the video as a poster linked to the player, the
// galleries as captioned figures, and the appeal when one applies. Readers
// that drop enclosures and media elements still get every image and credit.
func ContentHTML(site *Site, a *Article, appeal *Appeal, f Format) string {
	base := ArticleBase(site, a)
	var b strings.Builder
	if a.Lead != nil {
		writeFigure(&b, base, a.Lead)
	}
	b.WriteString(a.BodyHTML)
	if a.Video != nil {
		writeVideo(&b, base, a.Video)
	}
	for _, g := range a.Galleries {
		writeGallery(&b, base, &g)
	}
	if appeal != nil {
		writeAppeal(&b, base, appeal, f)
	}
	return b.String()
}

// ArticleBase is the URL that relative references in an article resolve
// against: the article's own page, itself resolved against the site.
func ArticleBase(site *Site, a *Article) *url.URL {
	base, err := url.Parse(site.BaseURL)
	if err != nil {
		base = &url.URL{}
	}
	if a.URL != "" {
		if u, err := base.Parse(a.URL); err == nil {
			return u
		}
	}
	return base
}

// Resolve makes ref absolute against base; a reference that does not parse
// is returned unchanged so that the error stays visible to the editor.
func Resolve(base *url.URL, ref string) string {
	if ref == "" || base == nil {
		return ref
	}
	u, err := base.Parse(ref)
	if err != nil {
		return ref
	}
	return u.String()
}

func writeFigure(b *strings.Builder, base *url.URL, img *Image) {
	b.WriteString("<figure>")
	writeImg(b, base, img)
	caption := strings.TrimSpace(img.Caption)
	credit := strings.TrimSpace(img.Credit)
	if caption != "" || credit != "" {
		b.WriteString("<figcaption>")
		b.WriteString(html.EscapeString(caption))
		if credit != "" {
			if caption != "" {
				b.WriteString(" ")
			}
			fmt.Fprintf(b, "<small>%s: %s</small>", creditLabel(img.CreditRole), html.EscapeString(credit))
		}
		b.WriteString("</figcaption>")
	}
	b.WriteString("</figure>")
}

// writeImg writes an <img> that survives e-mail tools, which strip srcset
// and styles: an absolute src, alt text, and the intrinsic size.
func writeImg(b *strings.Builder, base *url.URL, img *Image) {
	fmt.Fprintf(b, `<img src="%s" alt="%s"`, html.EscapeString(Resolve(base, img.URL)), html.EscapeString(imageAlt(img)))
	if img.Width > 0 && img.Height > 0 {
		fmt.Fprintf(b, ` width="%d" height="%d"`, img.Width, img.Height)
	}
	b.WriteString(">")
}

func imageAlt(img *Image) string {
	switch {
	case img.Alt != "":
		return img.Alt
	case img.Caption != "":
		return img.Caption
	}
	return img.Credit
}

// creditLabel turns a Media RSS role into the word a caption uses.
func creditLabel(role string) string {
	switch strings.ToLower(role) {
	case "", "photographer":
		return "Photo"
	case "illustrator", "artist":
		return "Illustration"
	case "videographer":
		return "Video"
	}
	r := []rune(role)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

func writeVideo(b *strings.Builder, base *url.URL, v *Video) {
	href := html.EscapeString(Resolve(base, v.URL))
	title := strings.TrimSpace(v.Title)
	if title == "" {
		title = "Watch the video"
	}
	b.WriteString("<figure>")
	if v.Poster != nil {
		fmt.Fprintf(b, `<a href="%s">`, href)
		writeImg(b, base, v.Poster)
		b.WriteString("</a>")
	}
	fmt.Fprintf(b, `<figcaption><a href="%s">▶ %s</a></figcaption></figure>`, href, html.EscapeString(title))
}

func writeGallery(b *strings.Builder, base *url.URL, g *Gallery) {
	if len(g.Images) == 0 {
		return
	}
	if g.Title != "" {
		fmt.Fprintf(b, "<h3>%s</h3>", html.EscapeString(g.Title))
	}
	for i := range g.Images {
		writeFigure(b, base, &g.Images[i])
	}
}

func writeAppeal(b *strings.Builder, base *url.URL, ap *Appeal, f Format) {
	b.WriteString("<hr><aside>")
	if ap.Heading != "" {
		fmt.Fprintf(b, "<h3>%s</h3>", html.EscapeString(ap.Heading))
	}
	for _, para := range strings.Split(ap.Text, "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			fmt.Fprintf(b, "<p>%s</p>", html.EscapeString(para))
		}
	}
	label := ap.ButtonLabel
	if label == "" {
		label = ap.URL
	}
	fmt.Fprintf(b, `<p><a href="%s"><strong>%s</strong></a></p></aside>`,
		html.EscapeString(CampaignURL(Resolve(base, ap.URL), ap.Name, f)), html.EscapeString(label))
}

// CampaignURL adds the campaign parameters that tell the publisher's
// analytics which format a donation came through.
func CampaignURL(raw, campaign string, f Format) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	source := string(f)
	if f == JSON {
		source = "jsonfeed"
	}
	q.Set("utm_source", source)
	q.Set("utm_medium", "feed")
	q.Set("utm_campaign", campaign)
	u.RawQuery = q.Encode()
	return u.String()
}

// AppealFor picks the appeal that applies to article a at the build time:
// the first running appeal whose sections include the article's.
func AppealFor(in *Input, a *Article) *Appeal {
	for i := range in.Appeals {
		ap := &in.Appeals[i]
		if ap.ActiveAt(in.Now) && ap.AppliesTo(a) {
			return ap
		}
	}
	return nil
}
