package kb

// PLACEHOLDER: the kb helper replaces this file with the real 22 items.

// All returns the 22 items in item order.
func All() []Item {
	items := make([]Item, 22)
	for i := range items {
		items[i] = Item{Number: i + 1, TitleJA: "項目", TitleEN: "Item"}
	}
	return items
}

// Get returns item n (1–22).
func Get(n int) (Item, bool) {
	if n < 1 || n > 22 {
		return Item{}, false
	}
	return All()[n-1], true
}
