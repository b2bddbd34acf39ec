module github.com/medcode/medcode

go 1.26
