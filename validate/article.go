package validate

import (
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/feedwright/feedwright/feed"
)

// Limits on what an article or appeal may hold. They are generous for
// real stories and keep one record from filling the disk or a feed.
const (
	MaxSlug       = 200       // characters
	MaxGUID       = 500       // characters
	MaxURL        = 2048      // bytes
	MaxTitle      = 500       // characters
	MaxDek        = 1000      // characters
	MaxBodyHTML   = 512 << 10 // bytes, before sanitising
	MaxSection    = 100       // characters
	MaxTags       = 50
	MaxTag        = 100 // characters
	MaxAuthors    = 20
	MaxName       = 200 // characters, author and credit names
	MaxGalleries  = 10
	MaxImages     = 200  // per gallery
	MaxText       = 2000 // characters: alt, caption, gallery and video titles
	MaxAppealText = 5000 // characters
	MaxSections   = 50
	MaxPixels     = 20000 // width or height of an image or video
)

// slugPattern keeps slugs to RFC 3986's unreserved characters, so that a
// slug is its own path segment in /articles/{slug} and /api/v1/articles/{slug}.
var slugPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]*$`)

// ValidSlug reports whether s may name an article or an appeal.
func ValidSlug(s string) bool {
	return s != "" && utf8.RuneCountInString(s) <= MaxSlug && slugPattern.MatchString(s)
}

// checker collects the problems of one document.
type checker struct{ errs Errors }

func (c *checker) add(field, format string, args ...any) { c.errs.add(field, format, args...) }

// text checks a plain-text field: its length in characters and that it
// holds no control characters, which XML 1.0 forbids and no editor means.
func (c *checker) text(field, s string, max int, required bool) {
	if strings.TrimSpace(s) == "" {
		if required {
			c.add(field, "is required")
		}
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		c.add(field, "is %d characters long; the limit is %d", n, max)
	}
	if i := strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r'
	}); i >= 0 {
		c.add(field, "contains a control character (%U) at byte %d", []rune(s[i:])[0], i)
	}
}

// url checks an absolute http or https URL.
func (c *checker) url(field, s string, required bool) {
	if s == "" {
		if required {
			c.add(field, "is required")
		}
		return
	}
	if len(s) > MaxURL {
		c.add(field, "is %d bytes long; the limit is %d", len(s), MaxURL)
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		c.add(field, "is not a URL: %v", unwrapURLError(err))
	case u.Scheme != "http" && u.Scheme != "https":
		c.add(field, "must be an absolute http or https URL, not %q", s)
	case u.Host == "":
		c.add(field, "must name a host: %q", s)
	}
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// Article checks an article as the admin API and the import take it in.
// It returns every problem, each named by its JSON path, or nil.
func Article(a *feed.Article) error {
	var c checker
	switch {
	case a.Slug == "":
		c.add("slug", "is required")
	case !ValidSlug(a.Slug):
		c.add("slug", "must be at most %d of the characters A-Z a-z 0-9 . _ ~ -, starting with a letter or digit", MaxSlug)
	}
	if a.GUID != "" {
		c.text("guid", a.GUID, MaxGUID, false)
		if strings.TrimSpace(a.GUID) != a.GUID {
			c.add("guid", "must not start or end with spaces")
		}
	}
	c.url("url", a.URL, true)
	c.text("title", a.Title, MaxTitle, true)
	c.text("dek", a.Dek, MaxDek, false)
	if len(a.BodyHTML) > MaxBodyHTML {
		c.add("body_html", "is %d bytes long; the limit is %d", len(a.BodyHTML), MaxBodyHTML)
	}
	c.text("section", a.Section, MaxSection, false)
	if len(a.Tags) > MaxTags {
		c.add("tags", "has %d tags; the limit is %d", len(a.Tags), MaxTags)
	}
	seenTag := map[string]int{}
	for i, t := range a.Tags {
		f := "tags[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(t) == "" {
			c.add(f, "must not be empty")
		}
		c.text(f, t, MaxTag, false)
		if j, dup := seenTag[t]; dup {
			c.add(f, "repeats tags[%d] %q", j, t)
		}
		seenTag[t] = i
	}
	if len(a.Authors) > MaxAuthors {
		c.add("authors", "has %d authors; the limit is %d", len(a.Authors), MaxAuthors)
	}
	for i, au := range a.Authors {
		f := "authors[" + strconv.Itoa(i) + "]"
		c.text(f+".name", au.Name, MaxName, true)
		if au.Email != "" {
			if addr, err := mail.ParseAddress(au.Email); err != nil || addr.Address != au.Email {
				c.add(f+".email", "must be a bare e-mail address such as name@example.com, not %q", au.Email)
			}
		}
		c.url(f+".url", au.URL, false)
	}
	if a.Lead != nil {
		c.image("lead_image", a.Lead)
	}
	if v := a.Video; v != nil {
		c.url("video.url", v.URL, true)
		c.text("video.title", v.Title, MaxText, false)
		if v.MIMEType != "" {
			if _, _, err := mime.ParseMediaType(v.MIMEType); err != nil || !strings.Contains(v.MIMEType, "/") {
				c.add("video.mime_type", "%q is not a media type such as video/mp4 or text/html", v.MIMEType)
			}
		}
		c.nonNegative("video.size_in_bytes", v.Length)
		c.dimension("video.width", v.Width, false)
		c.dimension("video.height", v.Height, false)
		c.nonNegative("video.duration_seconds", int64(v.DurationSeconds))
		if v.Poster != nil {
			c.image("video.poster", v.Poster)
		}
	}
	if len(a.Galleries) > MaxGalleries {
		c.add("galleries", "has %d galleries; the limit is %d", len(a.Galleries), MaxGalleries)
	}
	for g, gal := range a.Galleries {
		f := "galleries[" + strconv.Itoa(g) + "]"
		c.text(f+".title", gal.Title, MaxText, false)
		switch {
		case len(gal.Images) == 0:
			c.add(f+".images", "is required: a gallery needs at least one image")
		case len(gal.Images) > MaxImages:
			c.add(f+".images", "has %d images; the limit is %d", len(gal.Images), MaxImages)
		}
		// A gallery's positions are the order of its images; the same
		// picture at two positions is a mistake of the CMS, and readers
		// that deduplicate enclosures by URL would drop one of them.
		at := map[string]int{}
		for i := range gal.Images {
			fi := f + ".images[" + strconv.Itoa(i) + "]"
			c.image(fi, &gal.Images[i])
			if u := gal.Images[i].URL; u != "" {
				if j, dup := at[u]; dup {
					c.add(fi+".url", "repeats position %d (images[%d]) of the gallery", j+1, j)
				} else {
					at[u] = i
				}
			}
		}
	}
	switch {
	case a.Status == "":
		c.add("status", "is required: draft, published or retracted")
	case !a.Status.Valid():
		c.add("status", "must be draft, published or retracted, not %q", a.Status)
	}
	if a.Status == feed.StatusPublished && a.PublishedAt.IsZero() {
		c.add("published_at", "is required when status is published")
	}
	c.date("published_at", a.PublishedAt)
	c.date("updated_at", a.UpdatedAt)
	if len(c.errs) > 0 {
		return c.errs
	}
	return nil
}

func (c *checker) image(field string, img *feed.Image) {
	c.url(field+".url", img.URL, true)
	switch {
	case img.MIMEType == "":
		c.add(field+".mime_type", "is required: an image type such as image/jpeg")
	default:
		mt, _, err := mime.ParseMediaType(img.MIMEType)
		if err != nil || !strings.HasPrefix(mt, "image/") || len(mt) == len("image/") {
			c.add(field+".mime_type", "must be an image type such as image/jpeg, not %q", img.MIMEType)
		}
	}
	c.dimension(field+".width", img.Width, true)
	c.dimension(field+".height", img.Height, true)
	// Feeds declare the length in every enclosure and validators reject
	// one without it, so the CMS must say how big the file is.
	if img.Length <= 0 {
		c.add(field+".size_in_bytes", "is required: the size of the file in bytes, more than 0")
	}
	c.text(field+".alt", img.Alt, MaxText, false)
	c.text(field+".caption", img.Caption, MaxText, false)
	c.text(field+".credit", img.Credit, MaxName, false)
	c.text(field+".credit_role", img.CreditRole, MaxSection, false)
}

func (c *checker) dimension(field string, n int, required bool) {
	switch {
	case n == 0 && required:
		c.add(field, "is required: pixels, more than 0")
	case n < 0 || n > MaxPixels:
		c.add(field, "must be between 1 and %d pixels, not %d", MaxPixels, n)
	}
}

func (c *checker) nonNegative(field string, n int64) {
	if n < 0 {
		c.add(field, "must not be negative (%d)", n)
	}
}

// Dates are stored as Unix seconds and printed in RFC 822 and RFC 3339;
// years outside 1970–9999 are typing mistakes that some formats cannot say.
var (
	minDate = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

func (c *checker) date(field string, t time.Time) {
	if t.IsZero() {
		return
	}
	if t.Before(minDate) || !t.Before(maxDate) {
		c.add(field, "%s is outside the years 1970 to 9999", t.Format(time.RFC3339))
	}
}

// CleanArticle prepares a valid article for storage: its body sanitised
// and times in UTC to the second, as they are stored. The revision is the
// store's to give, so one sent in is dropped.
func CleanArticle(a *feed.Article) {
	a.BodyHTML = SanitizeHTML(a.BodyHTML)
	a.PublishedAt = second(a.PublishedAt)
	a.UpdatedAt = second(a.UpdatedAt)
	a.Revision = 0
}

func second(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Second)
}

// DecodeArticle decodes, checks and cleans one article record. A non-empty
// slug is the one the record is meant for (the API's URL names it): a
// record without a slug takes it, a record with another slug is an error.
func DecodeArticle(data []byte, slug string) (feed.Article, error) {
	a, err := decodeChecked(data, func(a *feed.Article) error {
		if a.Slug == "" {
			a.Slug = slug
		}
		return withName(a.Slug, "slug", slug, Article(a))
	})
	if err == nil {
		CleanArticle(&a)
	}
	return a, err
}

// Appeal checks a donation appeal as the admin API and the import take it in.
func Appeal(ap *feed.Appeal) error {
	var c checker
	switch {
	case ap.Name == "":
		c.add("name", "is required")
	case !ValidSlug(ap.Name):
		c.add("name", "must be at most %d of the characters A-Z a-z 0-9 . _ ~ -, starting with a letter or digit", MaxSlug)
	}
	c.text("heading", ap.Heading, MaxTitle, true)
	c.text("text", ap.Text, MaxAppealText, false)
	c.text("button_label", ap.ButtonLabel, MaxTitle, true)
	c.url("url", ap.URL, true)
	c.date("starts_at", ap.StartsAt)
	c.date("ends_at", ap.EndsAt)
	if !ap.StartsAt.IsZero() && !ap.EndsAt.IsZero() && !ap.EndsAt.After(ap.StartsAt) {
		c.add("ends_at", "must be after starts_at")
	}
	c.date("updated_at", ap.UpdatedAt)
	if len(ap.Sections) > MaxSections {
		c.add("sections", "has %d sections; the limit is %d", len(ap.Sections), MaxSections)
	}
	seen := map[string]int{}
	for i, s := range ap.Sections {
		f := fmt.Sprintf("sections[%d]", i)
		if strings.TrimSpace(s) == "" {
			c.add(f, "must not be empty")
		}
		c.text(f, s, MaxSection, false)
		if j, dup := seen[s]; dup {
			c.add(f, "repeats sections[%d] %q", j, s)
		}
		seen[s] = i
	}
	if len(c.errs) > 0 {
		return c.errs
	}
	return nil
}

// CleanAppeal prepares a valid appeal for storage: times in UTC to the
// second, and no revision of the sender's.
func CleanAppeal(ap *feed.Appeal) {
	ap.StartsAt, ap.EndsAt, ap.UpdatedAt = second(ap.StartsAt), second(ap.EndsAt), second(ap.UpdatedAt)
	ap.Revision = 0
	if len(ap.Sections) == 0 {
		ap.Sections = nil
	}
}

// DecodeAppeal decodes, checks and cleans one appeal record. A non-empty
// name is the one the record is meant for, as with DecodeArticle's slug.
func DecodeAppeal(data []byte, name string) (feed.Appeal, error) {
	ap, err := decodeChecked(data, func(ap *feed.Appeal) error {
		if ap.Name == "" {
			ap.Name = name
		}
		return withName(ap.Name, "name", name, Appeal(ap))
	})
	if err == nil {
		CleanAppeal(&ap)
	}
	return ap, err
}

// decodeChecked decodes data strictly and checks the result. When the JSON
// has field errors, the fields that did decode are checked too, so that
// one answer lists every problem; a field is reported once, by its
// decoding error, not again as missing.
func decodeChecked[T any](data []byte, check func(*T) error) (T, error) {
	var v T
	err := decodeInto(data, reflect.ValueOf(&v).Elem())
	decodeErrs, ok := err.(Errors)
	if err != nil && !ok {
		return v, err
	}
	checkErr := check(&v)
	if checkErr == nil {
		return v, err
	}
	all := decodeErrs
	for _, fe := range checkErr.(Errors) {
		if !coveredBy(fe.Field, decodeErrs) {
			all = append(all, fe)
		}
	}
	return v, all
}

func coveredBy(field string, errs Errors) bool {
	for _, e := range errs {
		if e.Field == "" || e.Field == field || strings.HasPrefix(field, e.Field+".") || strings.HasPrefix(field, e.Field+"[") {
			return true
		}
	}
	return false
}

// withName adds a mismatch between a record's own name and the one its URL
// gives to the record's other problems.
func withName(got, path, want string, checkErr error) error {
	var errs Errors
	if checkErr != nil {
		errs = checkErr.(Errors)
	}
	if want != "" && got != want {
		errs = append(errs, FieldError{Field: path, Detail: fmt.Sprintf("is %q, but the URL names %q", got, want)})
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
