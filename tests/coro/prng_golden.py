#!/usr/bin/env python3
"""Reference values for tests/coro/test_prng.c, computed independently of the
C code from the published definitions of splitmix64 and xoshiro256**, with
Python's unbounded integers masked to 64 bits.  Run it to regenerate them."""

M = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


class Xoshiro256ss:
    def __init__(self, seed):
        self.s = []
        st = seed
        for _ in range(4):
            st, v = splitmix64(st)
            self.s.append(v)

    def next(self):
        s = self.s
        out = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return out

    def below(self, bound):
        # Multiply-shift with rejection of the 2^64 mod bound surplus.
        thr = (1 << 64) % bound
        while True:
            m = self.next() * bound
            if (m & M) >= thr:
                return m >> 64


def main():
    for seed in (0, 1, 0xDEADBEEF):
        g = Xoshiro256ss(seed)
        print(f"seed {seed:#x} state", ", ".join(f"{v:#018x}" for v in g.s))
        print(f"seed {seed:#x} next ", ", ".join(f"{g.next():#018x}" for _ in range(6)))
    g = Xoshiro256ss(42)
    print("seed 42 below(6) x12:", [g.below(6) for _ in range(12)])
    g = Xoshiro256ss(42)
    print("seed 42 below(3<<62) x16:", ", ".join(f"{g.below(3 << 62):#018x}" for _ in range(16)))
    print("splitmix64(0) first:", f"{splitmix64(0)[1]:#018x}")


if __name__ == "__main__":
    main()
