package feed

import (
	"fmt"
	"net/url"
	"strings"
)

// The gallery, the lead image and the video poster reach many readers only
// through the HTML content: Miniflux drops media:credit and attachment
// titles, e-mail tools read no media elements at all. So every image is
// also a <figure> whose <figcaption> carries the caption and the credit as
// text, and every <img> has an absolute src, alt, width and height (e-mail
// tools strip srcset and styles). Only markup that readers' sanitisers keep
// is used: figure, figcaption, small, img, a, h3.

// writeFigure writes one captioned, credited image. With a video, the
// image is that video's poster: it links to the player and the caption
// ends with the video's title as a link.
func writeFigure(b *strings.Builder, base *url.URL, img *Image, video *Video) {
	b.WriteString("<figure>")
	var href string
	if video != nil {
		href = escapeHTMLAttr(Resolve(base, video.URL))
		fmt.Fprintf(b, `<a href="%s">`, href)
	}
	writeImg(b, base, img)
	if video != nil {
		b.WriteString("</a>")
	}
	caption := strings.TrimSpace(img.Caption)
	credit := strings.TrimSpace(img.Credit)
	if strings.EqualFold(caption, credit) {
		// A gallery that captions each image with its artist's name
		// would otherwise say the name twice.
		caption = ""
	}
	if caption != "" || credit != "" || video != nil {
		b.WriteString("<figcaption>")
		b.WriteString(escapeHTMLText(caption))
		if credit != "" {
			if caption != "" {
				b.WriteString(" ")
			}
			fmt.Fprintf(b, "<small>%s: %s</small>", escapeHTMLText(CreditLabel(img.CreditRole)), escapeHTMLText(credit))
		}
		if video != nil {
			if caption != "" || credit != "" {
				b.WriteString("<br>")
			}
			fmt.Fprintf(b, `<a href="%s">▶ %s</a>`, href, escapeHTMLText(videoTitle(video)))
		}
		b.WriteString("</figcaption>")
	}
	b.WriteString("</figure>\n")
}

// writeImg writes an <img> that survives e-mail tools: an absolute src, alt
// text, and the intrinsic size.
func writeImg(b *strings.Builder, base *url.URL, img *Image) {
	fmt.Fprintf(b, `<img src="%s" alt="%s"`, escapeHTMLAttr(Resolve(base, img.URL)), escapeHTMLAttr(imageAlt(img)))
	if img.Width > 0 && img.Height > 0 {
		fmt.Fprintf(b, ` width="%d" height="%d"`, img.Width, img.Height)
	}
	b.WriteString(">")
}

// imageAlt is the best text replacement for an image that is not shown.
func imageAlt(img *Image) string {
	switch {
	case img.Alt != "":
		return img.Alt
	case img.Caption != "":
		return img.Caption
	}
	return img.Credit
}

// imageTitle is the short name of an image in enclosures and attachments.
func imageTitle(img *Image) string {
	if img.Caption != "" {
		return img.Caption
	}
	return img.Alt
}

// creditRole is the Media RSS role of an image's credit.
func creditRole(img *Image) string {
	if r := strings.ToLower(strings.TrimSpace(img.CreditRole)); r != "" {
		return r
	}
	return "photographer"
}

// CreditLabel turns a Media RSS credit role into the word a caption uses
// ("illustrator" → "Illustration"); the web pages use it too.
func CreditLabel(role string) string {
	role = strings.TrimSpace(role)
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

// writeVideo shows the video as its poster linked to the player, never an
// iframe: readers and e-mail tools strip iframes, and a link works anywhere.
func writeVideo(b *strings.Builder, base *url.URL, v *Video) {
	href := escapeHTMLAttr(Resolve(base, v.URL))
	b.WriteString("<figure>")
	if v.Poster != nil {
		fmt.Fprintf(b, `<a href="%s">`, href)
		writeImg(b, base, v.Poster)
		b.WriteString("</a>")
	}
	fmt.Fprintf(b, `<figcaption><a href="%s">▶ %s</a></figcaption></figure>`+"\n", href, escapeHTMLText(videoTitle(v)))
}

func videoTitle(v *Video) string {
	if t := strings.TrimSpace(v.Title); t != "" {
		return t
	}
	return "Watch the video"
}

// writeGallery writes a gallery as its title and one figure per image.
func writeGallery(b *strings.Builder, base *url.URL, g *Gallery) {
	if len(g.Images) == 0 {
		return
	}
	if g.Title != "" {
		fmt.Fprintf(b, "<h3>%s</h3>\n", escapeHTMLText(g.Title))
	}
	for i := range g.Images {
		writeFigure(b, base, &g.Images[i], nil)
	}
}
