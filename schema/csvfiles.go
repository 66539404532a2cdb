package schema

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// ImportFile is one file of the import contract, for help texts.
type ImportFile struct {
	Name               string
	Required, Optional []string
}

// ImportFiles lists the import contract's files and their columns.
func ImportFiles() []ImportFile {
	var out []ImportFile
	for _, f := range importFiles {
		out = append(out, ImportFile{f.name, f.required, f.optional})
	}
	return out
}

// csvFile describes one file of the import contract: its required and
// optional columns and how a row becomes a typed record for the loader.
type csvFile struct {
	name     string
	required []string
	optional []string
	add      func(l *loader, r csvRow) error
}

// importFiles is the contract of spec data-format.md, in load order (each
// file refers only to files before it).
var importFiles = []csvFile{
	{"customers.csv", []string{"customer_id", "register_date"},
		[]string{"name", "gender", "birth_date", "province", "city", "register_channel", "member_level", "phone"},
		func(l *loader, r csvRow) error {
			return l.addCustomer(Customer{ID: r.get("customer_id"), Name: r.get("name"), Gender: r.get("gender"),
				BirthDate: r.get("birth_date"), Province: r.get("province"), City: r.get("city"),
				RegisterDate: r.get("register_date"), RegisterChannel: r.get("register_channel"),
				MemberLevel: r.get("member_level"), Phone: r.get("phone")})
		}},
	{"products.csv", []string{"product_id", "product_name", "category"},
		[]string{"brand", "category_l1", "list_price"},
		func(l *loader, r csvRow) error {
			return l.addProduct(Product{ID: r.get("product_id"), Name: r.get("product_name"), Brand: r.get("brand"),
				Category: r.get("category"), CategoryL1: r.get("category_l1"), ListPrice: r.get("list_price")})
		}},
	{"orders.csv", []string{"order_id", "customer_id", "order_time", "status", "pay_amount"},
		[]string{"channel", "store_city", "discount_amount", "coupon_used"},
		func(l *loader, r csvRow) error {
			pay, err := parseCents(r.get("pay_amount"))
			if err != nil {
				return rowErr("pay_amount " + err.Error())
			}
			disc, err := optCents(r, "discount_amount")
			if err != nil {
				return err
			}
			coupon, err := optInt(r, "coupon_used")
			if err != nil {
				return err
			}
			return l.addOrder(Order{ID: r.get("order_id"), CustomerID: r.get("customer_id"), OrderTime: r.get("order_time"),
				Channel: r.get("channel"), StoreCity: strings.TrimSuffix(r.get("store_city"), "市"), Status: r.get("status"),
				PayCents: pay, DiscountCents: disc, CouponUsed: coupon})
		}},
	{"order_items.csv", []string{"order_id", "product_id", "quantity", "amount"},
		[]string{"unit_price"},
		func(l *loader, r csvRow) error {
			q, err := strconv.ParseInt(r.get("quantity"), 10, 64)
			if err != nil {
				return rowErr(fmt.Sprintf("quantity %q 不是整数", r.get("quantity")))
			}
			amt, err := parseCents(r.get("amount"))
			if err != nil {
				return rowErr("amount " + err.Error())
			}
			unit, err := optCents(r, "unit_price")
			if err != nil {
				return err
			}
			return l.addItem(Item{OrderID: r.get("order_id"), ProductID: r.get("product_id"), Quantity: q,
				UnitPriceCents: unit, AmountCents: amt})
		}},
}

// csvRow is one record with its header's column positions.
type csvRow struct {
	rec []string
	idx map[string]int
}

func (r csvRow) get(col string) string {
	i, ok := r.idx[col]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

func optCents(r csvRow, col string) (*int64, error) {
	s := r.get(col)
	if s == "" {
		return nil, nil
	}
	c, err := parseCents(s)
	if err != nil {
		return nil, rowErr(col + " " + err.Error())
	}
	return &c, nil
}

func optInt(r csvRow, col string) (*int64, error) {
	s := r.get(col)
	if s == "" {
		return nil, nil
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, rowErr(fmt.Sprintf("%s %q 不是整数", col, s))
	}
	return &i, nil
}

// errFatal marks an error no --skip-bad-rows can skip (a missing file or column).
var errFatal = errors.New("fatal")

// gb18030 reports a file start that is not UTF-8 but reads as GB18030
// with Chinese in it (a mere stray byte is left to the row checks).
func gb18030(br *bufio.Reader) bool {
	b, _ := br.Peek(64 << 10)
	// More broken UTF-8 sequences than good multi-byte ones: another
	// encoding (a UTF-8 file with a stray byte is left to the row checks).
	bad, good := 0, 0
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1 && len(b)-i >= utf8.UTFMax:
			bad++
		case n > 1:
			good++
		}
		i += n
	}
	if bad <= good {
		return false
	}
	dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil || !utf8.Valid(dec) || strings.ContainsRune(strings.TrimRight(string(dec), "\uFFFD"), utf8.RuneError) {
		return false
	}
	for _, r := range string(dec) {
		if r >= 0x4E00 && r <= 0x9FFF {
			return true
		}
	}
	return false
}

// readCSV streams one file into the loader. Bad rows go to reject; reject
// returns a non-nil error to abort (the default) or nil to go on.
func readCSV(dir string, f csvFile, l *loader, reject func(*RowError, []string) error, warn func(string)) error {
	path := filepath.Join(dir, f.name)
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w: %w", f.name, errFatal, err)
	}
	defer fh.Close()
	br := bufio.NewReaderSize(fh, 1<<20)
	// A UTF-8 byte-order mark is tolerated.
	var in io.Reader = br
	if b, _ := br.Peek(3); len(b) == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		br.Discard(3)
	} else if gb18030(br) {
		// Excel on Chinese Windows saves CSV as GBK/GB18030: read it so.
		in = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
		warn(fmt.Sprintf("%s: 不是 UTF-8，按 GBK/GB18030 编码读取（Excel 中文版的默认）", f.name))
	}
	cr := csv.NewReader(in)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s:1: %w: 无法读取表头: %v", f.name, errFatal, err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.TrimSpace(h)] = i
	}
	for _, col := range f.required {
		if _, ok := idx[col]; !ok {
			return fmt.Errorf("%s:1: %w: 缺少必需的列 %s", f.name, errFatal, col)
		}
	}
	known := map[string]bool{}
	for _, c := range append(append([]string{}, f.required...), f.optional...) {
		known[c] = true
	}
	for _, h := range header {
		if !known[strings.TrimSpace(h)] {
			warn(fmt.Sprintf("%s: 忽略未知列 %q", f.name, h))
		}
	}
	cr.FieldsPerRecord = len(header)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		var rowErrOut *RowError
		switch {
		case err != nil:
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine // where the broken record begins, not where the reader gave up
				if errors.Is(pe.Err, csv.ErrFieldCount) {
					rowErrOut = &RowError{f.name, line, fmt.Sprintf("列数为 %d，表头为 %d 列", len(rec), len(header))}
				} else {
					rowErrOut = &RowError{f.name, line, "CSV 格式错误: " + pe.Err.Error()}
				}
			} else {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		case !validUTF8(rec):
			rowErrOut = &RowError{f.name, line, "不是合法的 UTF-8 文本（请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”）"}
		default:
			if err := f.add(l, csvRow{rec, idx}); err != nil {
				var re rowErr
				if !errors.As(err, &re) {
					return fmt.Errorf("%s:%d: %w", f.name, line, err)
				}
				rowErrOut = &RowError{f.name, line, string(re)}
			}
		}
		if rowErrOut != nil {
			if err := reject(rowErrOut, rec); err != nil {
				return err
			}
		}
	}
}

func validUTF8(rec []string) bool {
	for _, s := range rec {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}
