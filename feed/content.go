package feed

import (
	"net/url"
	"strings"
)

// ContentHTML is the full HTML of an article as every format carries it,
// and as its web page shows it: the lead image first (some clients take the
// first <img> as the item's picture), the body with its URLs made absolute,
// the video as a poster linked to the player, the galleries as captioned
// figures, and the appeal when one applies, its link tagged for format f.
// Readers that drop enclosures and media elements still get every image
// and credit.
func ContentHTML(site *Site, a *Article, appeal *Appeal, f Format) string {
	base := ArticleBase(site, a)
	var b strings.Builder
	// When the lead image is the video's poster, as it is for a story
	// built around a video, one figure serves both: the same picture
	// twice in a row reads as a mistake.
	leadIsPoster := a.Lead != nil && a.Video != nil && a.Video.Poster != nil &&
		Resolve(base, a.Video.Poster.URL) == Resolve(base, a.Lead.URL)
	if a.Lead != nil {
		var video *Video
		if leadIsPoster {
			video = a.Video
		}
		writeFigure(&b, base, a.Lead, video)
	}
	body := strings.TrimSpace(AbsoluteHTML(base, a.BodyHTML))
	if body != "" {
		b.WriteString(body)
		b.WriteString("\n")
	}
	if a.Video != nil && !leadIsPoster {
		writeVideo(&b, base, a.Video)
	}
	for i := range a.Galleries {
		writeGallery(&b, base, &a.Galleries[i])
	}
	if appeal != nil {
		writeAppeal(&b, base, appeal, f)
	}
	return CleanText(strings.TrimSuffix(b.String(), "\n"))
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

// ResolveArticle makes the article's own URLs absolute, as its feed items
// show them: its page against the site's base URL, its images, video and
// author links against that page. Whatever reads articles back (the
// admin API, export) gives them out this way, so that what it gives can
// be sent back in, which takes only absolute URLs.
func ResolveArticle(site *Site, a *Article) {
	base := ArticleBase(site, a)
	a.URL = base.String()
	img := func(im *Image) {
		if im != nil {
			im.URL = Resolve(base, im.URL)
		}
	}
	img(a.Lead)
	if a.Video != nil {
		a.Video.URL = Resolve(base, a.Video.URL)
		img(a.Video.Poster)
	}
	for g := range a.Galleries {
		for i := range a.Galleries[g].Images {
			img(&a.Galleries[g].Images[i])
		}
	}
	for i := range a.Authors {
		a.Authors[i].URL = Resolve(base, a.Authors[i].URL)
	}
}

// ResolveAppeal makes the appeal's link absolute against the site's base
// URL, for the same reason as ResolveArticle.
func ResolveAppeal(site *Site, ap *Appeal) {
	base, err := url.Parse(site.BaseURL)
	if err == nil {
		ap.URL = Resolve(base, ap.URL)
	}
}
