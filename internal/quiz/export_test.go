package quiz

// Exported for the external tests of this package.
var (
	CreatePool = createPool
	TakeStock  = takeStock
)
