//go:build amd64 && !purego

package md5x

import "golang.org/x/sys/cpu"

//go:noescape
func blockSSE2(state, msg, k *uint32)

//go:noescape
func hexChainSSE2(state, scratch, sched *uint32, nblocks int)

//go:noescape
func blockAVX2(state, msg, k *uint32)

//go:noescape
func hexChainAVX2(state, scratch, sched *uint32, nblocks int)

//go:noescape
func blockAVX512(state, msg, k *uint32)

//go:noescape
func hexChainAVX512(state, scratch, sched *uint32, nblocks int)

func simdKernels() []*Kernel {
	var ks []*Kernel
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW {
		ks = append(ks, &Kernel{name: "avx512", width: 16, lanes: 32, block: blockAVX512, hexChain: hexChainAVX512})
	}
	if cpu.X86.HasAVX2 {
		ks = append(ks, &Kernel{name: "avx2", width: 8, lanes: 16, block: blockAVX2, hexChain: hexChainAVX2})
	}
	if cpu.X86.HasSSE2 {
		ks = append(ks, &Kernel{name: "sse2", width: 4, lanes: 8, block: blockSSE2, hexChain: hexChainSSE2})
	}
	return ks
}
