module github.com/sipwatch/sipwatch

go 1.26.8
