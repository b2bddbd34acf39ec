module github.com/medcode/medcode

go 1.26

require (
	github.com/ulikunitz/xz v0.5.17
	gopkg.in/yaml.v3 v3.0.1
)
