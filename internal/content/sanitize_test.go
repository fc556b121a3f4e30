package content

import (
	"strings"
	"testing"
)

func TestRendererKeepsWhatWarningsNeed(t *testing.T) {
	r := NewRenderer()
	out, err := r.HTML("# 标题\n\n**拨打 [96110](tel:96110)** 或访问 [反诈中心](https://www.example.gov.cn/app)\n\n- 一\n- 二\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h3>标题</h3>", "<strong>", `<a href="tel:96110" rel="nofollow noopener noreferrer">96110</a>`, `href="https://www.example.gov.cn/app"`, `target="_blank"`, "<li>一</li>"} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered HTML lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"<h1>", "<script", "<img"} {
		if strings.Contains(out, bad) {
			t.Errorf("rendered HTML has %q", bad)
		}
	}
}

func TestTextStripsMarkup(t *testing.T) {
	r := NewRenderer()
	cases := map[string]string{
		"警惕<script>alert(1)</script>刷单":         "警惕刷单",
		"  多余   空白\n换行 ":                        "多余 空白 换行",
		"<b>加粗</b>标题":                           "加粗标题",
		"&lt;img src=x onerror=alert(1)&gt;假客服": "&lt;img src=x onerror=alert(1)&gt;假客服",
		"&amp;lt;script&amp;gt;x":               "&amp;lt;script&amp;gt;x",
		"<<script>>alert(1)<</script>>":         "<>",
		"收益率 > 10% 且 < 20% 的都要当心":               "收益率 > 10% 且 < 20% 的都要当心",
	}
	for in, want := range cases {
		if got := r.Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// Images pass only from wuzha's own image store; any other source, scheme
// or trick drops the image.
func TestRendererKeepsOnlyOwnImages(t *testing.T) {
	r := NewRenderer()
	own := "/api/v1/images/" + strings.Repeat("ab", 32) + ".jpg"
	out, err := r.HTML("看图：\n\n![假冒客服的聊天截图](" + own + ")\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := `<img src="` + own + `" alt="假冒客服的聊天截图"`; !strings.Contains(out, want) {
		t.Fatalf("own image lost: %s", out)
	}
	for _, md := range []string{
		"![x](https://evil.example/a.jpg)",
		"![x](//evil.example" + own + ")",
		"![x](" + own + "?x=1)",
		"![x](/api/v1/images/../secrets.json)",
		"![x](/api/v1/images/" + strings.Repeat("ab", 32) + ".svg)",
		"![x](data:image/png;base64,iVBORw0KGgo=)",
		"![x](javascript:alert(1))",
		`<img src="` + own + `" onerror="alert(1)">`,
		"[x](/relative/link)",
	} {
		out, err := r.HTML(md)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, "<img") || strings.Contains(out, "onerror") || strings.Contains(out, "evil") || strings.Contains(out, `href="/`) {
			t.Errorf("%q rendered %q", md, out)
		}
	}
}
