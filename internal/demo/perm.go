package demo

import "math/bits"

// perm is a keyed pseudo-random permutation of [0, n): a balanced Feistel
// network over the next even power of two with cycle walking. It turns an
// index into a unique, random-looking value (mobile numbers, ID numbers)
// without remembering what was handed out.
type perm struct {
	n    uint64
	half uint
	mask uint64
	keys [4]uint64
}

func newPerm(n, key uint64) perm {
	b := uint(bits.Len64(n - 1))
	if b < 2 {
		b = 2
	}
	b += b & 1
	p := perm{n: n, half: b / 2, mask: 1<<(b/2) - 1}
	for i := range p.keys {
		key = mix(key + uint64(i) + 0x9e3779b97f4a7c15)
		p.keys[i] = key
	}
	return p
}

// at returns the image of i (i < n).
func (p perm) at(i uint64) uint64 {
	x := i
	for {
		l, r := x>>p.half, x&p.mask
		for _, k := range p.keys {
			l, r = r, l^(mix(r^k)&p.mask)
		}
		x = l<<p.half | r
		if x < p.n {
			return x
		}
	}
}

// mix is the splitmix64 finaliser.
func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
