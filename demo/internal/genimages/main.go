// Command genimages draws the demo site's pictures: twelve coloring-book
// pages, the video's poster and the favicon. They stand in for the
// publisher's real files so that the demo serves every image it declares,
// with true byte lengths, without reaching past the machine.
//
// Run it with `go generate ./demo`; the output is deterministic.
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

func main() {
	out := "media"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	for i := 1; i <= 12; i++ {
		write(filepath.Join(out, fmt.Sprintf("coloring-book-%02d.png", i)), page(uint64(i)))
	}
	write(filepath.Join(out, "close-your-eyes-poster.png"), poster())
	icon := favicon()
	write(filepath.Join(out, "favicon.png"), icon)
	writeICO(filepath.Join(out, "favicon.ico"), icon)
}

type canvas struct{ *image.Paletted }

func newCanvas(w, h int, pal color.Palette) canvas {
	return canvas{image.NewPaletted(image.Rect(0, 0, w, h), pal)}
}

// disc paints a filled circle; strokes are made of overlapping discs.
func (c canvas) disc(cx, cy, r float64, idx uint8) {
	for y := int(cy - r); y <= int(cy+r); y++ {
		for x := int(cx - r); x <= int(cx+r); x++ {
			if (float64(x)-cx)*(float64(x)-cx)+(float64(y)-cy)*(float64(y)-cy) <= r*r {
				if image.Pt(x, y).In(c.Rect) {
					c.SetColorIndex(x, y, idx)
				}
			}
		}
	}
}

func (c canvas) line(x0, y0, x1, y1, w float64, idx uint8) {
	n := int(math.Hypot(x1-x0, y1-y0)/(w/2)) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		c.disc(x0+(x1-x0)*t, y0+(y1-y0)*t, w/2, idx)
	}
}

func (c canvas) ring(cx, cy, r, w float64, idx uint8) {
	steps := int(2*math.Pi*r/(w/2)) + 8
	for i := 0; i < steps; i++ {
		a := 2 * math.Pi * float64(i) / float64(steps)
		c.disc(cx+r*math.Cos(a), cy+r*math.Sin(a), w/2, idx)
	}
}

// page is a coloring-book page: black outlines on white, a different
// composition for every artist.
func page(seed uint64) image.Image {
	rng := rand.New(rand.NewPCG(seed, 2015))
	c := newCanvas(800, 600, color.Palette{color.White, color.Black})
	c.line(20, 20, 780, 20, 6, 1)
	c.line(780, 20, 780, 580, 6, 1)
	c.line(780, 580, 20, 580, 6, 1)
	c.line(20, 580, 20, 20, 6, 1)
	for range 4 + rng.IntN(4) {
		c.ring(100+rng.Float64()*600, 100+rng.Float64()*400, 30+rng.Float64()*110, 5, 1)
	}
	for range 5 + rng.IntN(6) {
		c.line(40+rng.Float64()*720, 40+rng.Float64()*520, 40+rng.Float64()*720, 40+rng.Float64()*520, 4, 1)
	}
	return c
}

// poster is the video's still: the black-and-white film's two figures as
// two rings facing each other.
func poster() image.Image {
	c := newCanvas(1280, 720, color.Palette{color.Black, color.Gray{0x40}, color.White})
	c.disc(420, 330, 150, 1)
	c.disc(860, 330, 150, 1)
	c.ring(420, 330, 150, 10, 2)
	c.ring(860, 330, 150, 10, 2)
	c.line(300, 600, 980, 600, 12, 2)
	// A play symbol in the middle tells the reader it is a video.
	for y := 280.0; y <= 380; y++ {
		half := (y - 280) / 100 * 80
		if y > 330 {
			half = (380 - y) / 100 * 80
		}
		c.line(610, y, 610+2*half, y, 2, 2)
	}
	return c
}

func favicon() image.Image {
	c := newCanvas(32, 32, color.Palette{color.Transparent, color.Black, color.White})
	c.disc(16, 16, 15, 1)
	c.ring(16, 16, 9, 3, 2)
	return c
}

func encode(img image.Image) []byte {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

func write(path string, img image.Image) {
	if err := os.WriteFile(path, encode(img), 0o644); err != nil {
		log.Fatal(err)
	}
}

// writeICO wraps the PNG in an ICO container, which every browser and
// reader that asks for /favicon.ico understands.
func writeICO(path string, img image.Image) {
	p := encode(img)
	var b bytes.Buffer
	le := binary.LittleEndian
	binary.Write(&b, le, [3]uint16{0, 1, 1})
	b.Write([]byte{32, 32, 0, 0})
	binary.Write(&b, le, [2]uint16{1, 32})
	binary.Write(&b, le, [2]uint32{uint32(len(p)), 22})
	b.Write(p)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
