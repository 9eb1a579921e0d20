// Command go-tlog-verify verifies a Laydown log exported in the C2SP
// tlog-tiles layout (`laydown log export DIR`) with Go's reference
// implementation, golang.org/x/mod/sumdb/{note,tlog}.
//
// Usage:
//
//	go-tlog-verify DIR VERIFIER-KEY [INDEX:LEAFHASH-HEX ...]
//
// It opens DIR/checkpoint as a signed note with the verifier key, parses the
// C2SP checkpoint body (origin, size, base64 root), recomputes the root from
// the hash tiles under DIR/tile/ (tlog.TileHashReader authenticates every tile
// it loads against the checkpoint), and checks an inclusion proof for each
// INDEX:LEAFHASH-HEX pair. It prints "OK size N" and exits 0, or prints the
// error and exits 1.
//
// Go's TileHashReader authenticates the tiles it loads for the tree hash, but
// (x/mod v0.7.0 and later as of writing) skips the parent check for some of
// the other tiles it loads when several subtree roots of the tree hash share a
// tile: its loop starts at len(stx) (subtree roots) instead of the number of
// distinct tiles holding them. A corrupted hash that no proof uses then goes
// unnoticed. So after tlog.TreeHash, which authenticates every partial tile,
// auditTiles checks every full tile against its parent with tlog.HashFromTile:
// every tile of the export is then authenticated.
//
// Build without a module (no network): GO111MODULE=off
// GOPATH=...:/usr/share/gocode go build (Debian: golang-golang-x-mod-dev).
package main

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tileHeight is the tile height of the C2SP tlog-tiles layout.
const tileHeight = 8

// c2spTiles is a tlog.TileReader over a directory in the C2SP layout.
type c2spTiles struct {
	dir string
}

func (r c2spTiles) Height() int { return tileHeight }

// c2spPath maps a Go tile to its C2SP path: Go's tile.Path() is
// "tile/<H>/<L>/<N>[.p/<W>]"; C2SP has no height element.
func c2spPath(t tlog.Tile) (string, error) {
	if t.H != tileHeight || t.L < 0 {
		return "", fmt.Errorf("unexpected tile %+v", t)
	}
	prefix := fmt.Sprintf("tile/%d/", tileHeight)
	p := t.Path()
	if !strings.HasPrefix(p, prefix) {
		return "", fmt.Errorf("unexpected Go tile path %q", p)
	}
	return "tile/" + strings.TrimPrefix(p, prefix), nil
}

func (r c2spTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		p, err := c2spPath(t)
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(p)))
		if err != nil {
			return nil, fmt.Errorf("reading tile: %w", err)
		}
		if len(b) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("tile %s: %d bytes, want %d", p, len(b), t.W*tlog.HashSize)
		}
		data[i] = b
	}
	return data, nil
}

func (r c2spTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// parseCheckpoint parses a C2SP checkpoint body: origin, size, base64 root
// hash, then optional extension lines.
func parseCheckpoint(text string, origin string) (tlog.Tree, error) {
	if !strings.HasSuffix(text, "\n") {
		return tlog.Tree{}, errors.New("checkpoint body does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return tlog.Tree{}, fmt.Errorf("checkpoint body has %d lines, want at least 3", len(lines))
	}
	if lines[0] != origin {
		return tlog.Tree{}, fmt.Errorf("checkpoint origin %q, key is for %q", lines[0], origin)
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || lines[1] != strconv.FormatInt(n, 10) {
		return tlog.Tree{}, fmt.Errorf("malformed checkpoint size %q", lines[1])
	}
	h, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return tlog.Tree{}, fmt.Errorf("malformed checkpoint root hash %q", lines[2])
	}
	var tree tlog.Tree
	tree.N = n
	copy(tree.Hash[:], h)
	return tree, nil
}

// auditTiles checks that the root of every full tile of a tree of size n equals
// its entry in the parent tile. The partial tiles are authenticated by the tree
// hash (every one of their hashes is under some subtree root of it), so this
// authenticates all tiles top-down.
func auditTiles(n int64, r c2spTiles) error {
	const full = 1 << tileHeight
	for level := 0; ; level++ {
		count := n >> uint(tileHeight*(level+1)) // full tiles at this level
		if count == 0 {
			return nil
		}
		parentLevel := tileHeight * (level + 1) // tree level of the parent's hashes
		parentWidth := n >> uint(parentLevel)   // hashes at that level
		for pn := int64(0); pn*full < count; pn++ {
			parent := tlog.Tile{H: tileHeight, L: level + 1, N: pn, W: full}
			if w := parentWidth - pn*full; w < full {
				parent.W = int(w)
			}
			pdata, err := r.ReadTiles([]tlog.Tile{parent})
			if err != nil {
				return err
			}
			for tn := pn * full; tn < count && tn < (pn+1)*full; tn++ {
				tile := tlog.Tile{H: tileHeight, L: level, N: tn, W: full}
				data, err := r.ReadTiles([]tlog.Tile{tile})
				if err != nil {
					return err
				}
				// The tile's root is the parent of the roots of its two halves
				// (HashFromTile computes hashes of up to height-1 levels within a tile).
				top := tileHeight*level + tileHeight - 1
				left, err := tlog.HashFromTile(tile, data[0], tlog.StoredHashIndex(top, 2*tn))
				if err != nil {
					return err
				}
				right, err := tlog.HashFromTile(tile, data[0], tlog.StoredHashIndex(top, 2*tn+1))
				if err != nil {
					return err
				}
				got := tlog.NodeHash(left, right)
				want, err := tlog.HashFromTile(parent, pdata[0], tlog.StoredHashIndex(parentLevel, tn))
				if err != nil {
					return err
				}
				if got != want {
					p, _ := c2spPath(tile)
					return fmt.Errorf("tile %s does not match its parent tile", p)
				}
			}
		}
	}
}

type leaf struct {
	index int64
	hash  tlog.Hash
}

func parseLeaf(arg string) (leaf, error) {
	i := strings.IndexByte(arg, ':')
	if i < 0 {
		return leaf{}, fmt.Errorf("leaf %q: want INDEX:HASHHEX", arg)
	}
	idx, err := strconv.ParseInt(arg[:i], 10, 64)
	if err != nil || idx < 0 {
		return leaf{}, fmt.Errorf("leaf %q: bad index", arg)
	}
	h, err := hex.DecodeString(arg[i+1:])
	if err != nil || len(h) != tlog.HashSize {
		return leaf{}, fmt.Errorf("leaf %q: bad hash", arg)
	}
	var l leaf
	l.index = idx
	copy(l.hash[:], h)
	return l, nil
}

func run(args []string) (int64, error) {
	if len(args) < 2 {
		return 0, errors.New("usage: go-tlog-verify DIR VERIFIER-KEY [INDEX:LEAFHASH-HEX ...]")
	}
	dir, vkey := args[0], args[1]
	var leaves []leaf
	for _, a := range args[2:] {
		l, err := parseLeaf(a)
		if err != nil {
			return 0, err
		}
		leaves = append(leaves, l)
	}

	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return 0, fmt.Errorf("verifier key: %w", err)
	}
	msg, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return 0, err
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return 0, fmt.Errorf("checkpoint signature: %w", err)
	}
	tree, err := parseCheckpoint(n.Text, verifier.Name())
	if err != nil {
		return 0, err
	}

	hr := tlog.TileHashReader(tree, c2spTiles{dir: dir})
	if tree.N > 0 {
		root, err := tlog.TreeHash(tree.N, hr)
		if err != nil {
			return 0, fmt.Errorf("tree hash: %w", err)
		}
		if root != tree.Hash {
			return 0, fmt.Errorf("tree hash %v from tiles, checkpoint says %v", root, tree.Hash)
		}
	}
	if err := auditTiles(tree.N, c2spTiles{dir: dir}); err != nil {
		return 0, err
	}
	for _, l := range leaves {
		if l.index >= tree.N {
			return 0, fmt.Errorf("leaf %d not in tree of size %d", l.index, tree.N)
		}
		proof, err := tlog.ProveRecord(tree.N, l.index, hr)
		if err != nil {
			return 0, fmt.Errorf("inclusion proof for leaf %d: %w", l.index, err)
		}
		if err := tlog.CheckRecord(proof, tree.N, tree.Hash, l.index, l.hash); err != nil {
			return 0, fmt.Errorf("inclusion of leaf %d: %w", l.index, err)
		}
	}
	return tree.N, nil
}

func main() {
	size, err := run(os.Args[1:])
	if err != nil {
		fmt.Println("FAIL:", err)
		os.Exit(1)
	}
	fmt.Printf("OK size %d\n", size)
}
