// Package search makes the tokens that index customers for the search box:
// Chinese unigrams and bigrams, pinyin and initials over every heteronym
// reading, phone numbers and their last four digits, and id/customer numbers.
// It does no I/O.
package search

// CustomerTokens returns the distinct search tokens for one customer.
// CONTRACT STUB: replaced by the search implementation.
func CustomerTokens(name, number, idNumber string, phones ...string) []string {
	return nil
}
