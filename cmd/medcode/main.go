// Command medcode is the single binary of the medcode coding service.
package main

import (
	"os"

	"github.com/medcode/medcode/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
