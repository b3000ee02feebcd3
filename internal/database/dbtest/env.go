package dbtest

import "os"

var getenv = os.Getenv
