package md5x

//go:generate go run ./asm/gen.go -out md5x_amd64.s
