package safetext_test

import (
	"fmt"

	"github.com/sipwatch/sipwatch/safetext"
)

func ExampleEscape() {
	fmt.Println(safetext.Escape("Busy\x1b[2J here\r\n\u202eevil"))
	// Output: Busy\x1b[2J here\r\n\u202eevil
}

func ExampleReplace() {
	fmt.Printf("%+q\n", safetext.Replace("Busy\x1b[2J\x1b]0;pwned\x07 here\r\n"))
	// Output: "Busy\ufffd\ufffd here  "
}
