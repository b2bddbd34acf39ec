package engine
import ("os";"path/filepath";"strings";"testing";"time";"regexp"
"github.com/medcode/medcode/internal/datadir";"github.com/medcode/medcode/internal/engine/evaluate")
func TestDbgCode(t *testing.T){
	code:=os.Getenv("DCODE"); if code==""{t.Skip()}
	re:=regexp.MustCompile("(?i)"+os.Getenv("DWORD"))
	e:=testEngine(t)
	docs,texts,_:=evaluate.LoadCodiEsp(filepath.Join(datadir.EvalDev(),"codiesp_en","gold.jsonl"),"dev")
	dos:=time.Date(2021,3,1,0,0,0,0,time.UTC)
	rc,_:=e.coderFor(dos)
	n:=0
	for i,d:=range docs{
		if !evaluate.Contains(d.Codes,code){continue}
		c:=newNoteCoder(e,rc,e.nlp.Analyze(texts[i]),Options{Profile:ProfileAbstract,DOS:dos})
		c.opts,_=c.opts.normalize(dos); c.run()
		got:=false
		for _,cd:=range c.live(){ if evaluate.NormalizeCode(cd.code.Code)==evaluate.NormalizeCode(code){got=true}}
		if got{continue}
		n++; if n>8{break}
		for _,s:=range strings.Split(texts[i],"\n"){ if loc:=re.FindStringIndex(s);loc!=nil{ lo:=max(0,loc[0]-80); hi:=min(len(s),loc[1]+80); t.Logf("%s: ...%s...", d.ID[len(d.ID)-6:], s[lo:hi])}}
		for _,cd:=range c.cands{ if cd.code.Category()==code[:3] {t.Logf("   cand %s dropped=%s status=%v", cd.code.Code, cd.dropped, cd.status)}}
	}
}
