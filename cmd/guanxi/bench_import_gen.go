package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/demo"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// importHeader is the header of the generated customer file: the Chinese
// column names a dealer's or branch's Excel archive uses, which the
// importer maps without help. The last four columns are one holding per
// row (the customer's car and its loan balance), as dealer sheets carry.
var importHeader = []string{
	"客户名称", "客户类型", "性别", "出生日期", "证件类型", "身份证号", "手机号", "电话", "电子邮箱", "微信号",
	"省份", "城市", "区县", "地址", "市场", "行业", "客户来源", "客户阶段", "客户等级", "标签", "备注",
	"车型", "车架号", "购车日期", "贷款余额(元)",
}

// Labels a real file has instead of Guanxi's codes.
var (
	benchKindLabel   = map[customer.Kind]string{customer.Person: "个人", customer.Org: "企业"}
	benchGenderLabel = map[string]string{"male": "男", "female": "女"}
	benchStageLabel  = map[customer.Stage]string{customer.StageProspect: "潜在", customer.StageCustomer: "成交",
		customer.StageDormant: "休眠", customer.StageLost: "流失"}
	benchMarketLabel = map[customer.Market]string{customer.MarketAgri: "三农", customer.MarketCorporate: "公司",
		customer.MarketPersonal: "个人"}
	benchIDTypeLabel = map[customer.IDType]string{customer.IDResident: "居民身份证", customer.IDUSCC: "统一社会信用代码"}
)

// importRowMaker turns demo bundles into file rows. Dates, phones and
// money come in the mixed forms Chinese spreadsheets hold (2026-1-5,
// 2026/01/05, 2026年1月5日; "138 0013 8000"; yuan with decimals), so the
// product's normalisation does its real work; every row stays valid.
type importRowMaker struct {
	industry map[string]string
	row      []string
}

func newImportRowMaker() (*importRowMaker, error) {
	b, err := i18n.New()
	if err != nil {
		return nil, err
	}
	m := &importRowMaker{industry: map[string]string{}, row: make([]string, len(importHeader))}
	for _, code := range customer.Industries {
		m.industry[code] = b.T("zh-CN", "enum.industry."+code, nil)
	}
	return m, nil
}

func benchDate(iso string, form int) string {
	if len(iso) != 10 {
		return iso
	}
	y, mo, d := iso[:4], strings.TrimLeft(iso[5:7], "0"), strings.TrimLeft(iso[8:10], "0")
	switch form % 3 {
	case 1:
		return y + "/" + mo + "/" + d
	case 2:
		return y + "年" + mo + "月" + d + "日"
	}
	return iso
}

func benchYuan(minor int64) string {
	return strconv.FormatInt(minor/100, 10) + "." + fmt.Sprintf("%02d", minor%100)
}

// make fills and returns the row of the i-th customer (the slice is reused).
func (m *importRowMaker) make(i int, b *demo.Bundle) []string {
	c := &b.Customer
	mobile := c.Mobile
	if i%5 == 4 && len(mobile) == 11 {
		mobile = mobile[:3] + " " + mobile[3:7] + " " + mobile[7:]
	}
	var model, vin, bought, balance string
	for _, h := range b.Holdings {
		if h.Kind == "vehicle" && model == "" {
			model, vin, bought = h.Model, h.Reference, benchDate(h.OpenedOn, i+1)
		}
		if h.Kind == "loan" && balance == "" && h.BalanceMinor > 0 {
			balance = benchYuan(h.BalanceMinor)
		}
	}
	r := m.row
	r[0], r[1], r[2], r[3] = c.Name, benchKindLabel[c.Kind], benchGenderLabel[c.Gender], benchDate(c.Birthday, i)
	r[4], r[5], r[6], r[7], r[8], r[9] = benchIDTypeLabel[c.IDType], c.IDNumber, mobile, c.Phone, c.Email, c.WeChat
	r[10], r[11], r[12], r[13] = c.Province, c.City, c.District, c.Address
	r[14], r[15], r[16], r[17], r[18] = benchMarketLabel[c.Market], m.industry[c.Industry], c.Source, benchStageLabel[c.Stage], c.Grade
	r[19], r[20] = strings.Join(c.Tags, ","), c.Notes
	r[21], r[22], r[23], r[24] = model, vin, bought, balance
	return r
}

// writeImportCSV writes n demo customers (seed) as a UTF-8 CSV with the
// Chinese header to path.
func writeImportCSV(path string, n int, seed uint64) error {
	m, err := newImportRowMaker()
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	if err := w.Write(importHeader); err != nil {
		f.Close()
		return err
	}
	i := 0
	err = demo.New(seed, n).Customers(5000, func(batch []demo.Bundle) error {
		for k := range batch {
			if err := w.Write(m.make(i, &batch[k])); err != nil {
				return err
			}
			i++
		}
		return nil
	})
	if err == nil {
		w.Flush()
		err = w.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeImportXLSX writes the same rows as an .xlsx workbook, streamed.
func writeImportXLSX(path string, n int, seed uint64) error {
	m, err := newImportRowMaker()
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	cells := make([]any, len(importHeader))
	put := func(line int, row []string) error {
		for k, v := range row {
			cells[k] = v
		}
		cell, err := excelize.CoordinatesToCellName(1, line)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, cells)
	}
	if err := put(1, importHeader); err != nil {
		return err
	}
	i := 0
	err = demo.New(seed, n).Customers(5000, func(batch []demo.Bundle) error {
		for k := range batch {
			if err := put(i+2, m.make(i, &batch[k])); err != nil {
				return err
			}
			i++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}
