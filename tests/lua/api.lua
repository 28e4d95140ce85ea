-- What the Lua API computes: tensors and views, the model and tokenizer, PEFT counts and budgets, a short training
-- run with callbacks, its report and the store, data, plots and the analysis functions. Prints TAP.
package.path = arg[0]:match("^(.*/)") .. "?.lua;" .. package.path
local T = require "tap"
local tamga = require "tamga"

local tmp = os.getenv("TAMGA_WORKSPACE") or "."

-- tensors ---------------------------------------------------------------------------------------------------------
local a = tamga.tensor { { 1, 2, 3 }, { 4, 5, 6 } }
T.is(tostring(a):match("^tamga.Tensor %(2, 3%)") ~= nil, true, "tostring names the shape")
T.is(#a, 2, "#t is the size of dimension 1")
T.is(a:get(2, 3), 6.0, "get(i, j) is 1-based")
T.is(a[2][1], 4.0, "t[i] is a row view, t[i][j] a number")
local row = a[1]
row[2] = 20
T.is(a:get(1, 2), 20.0, "a row view shares storage with its base")
a = nil
collectgarbage()
collectgarbage()
T.is(row[3], 3.0, "a view keeps its base alive after the base userdata is collected")
local b = tamga.tensor { { 1, 2 }, { 3, 4 } }
T.is((b + b):get(2, 2), 8.0, "t + t")
T.is((b - 1):get(1, 1), 0.0, "t - number")
T.is((2 * b):get(1, 2), 4.0, "number * t")
T.is((b * b):get(2, 1), 9.0, "t * t is element-wise")
T.is((b / 2):get(2, 2), 2.0, "t / number")
T.is((-b):get(1, 1), -1.0, "-t")
local mm = b:matmul(b)
T.is(mm:get(1, 1), 7.0, "matmul (1,1)")
T.is(mm:get(2, 2), 22.0, "matmul (2,2)")
T.is(b:matmul(b, true):get(1, 2), 11.0, "matmul with the second operand transposed")
T.is(b:t():get(1, 2), 3.0, "t() transposes")
T.is(b:sum(), 10.0, "sum")
T.is(b:mean(), 2.5, "mean")
T.is(b:sum(1):get(2), 6.0, "sum along dimension 1")
T.is(b:mean(2):get(2), 3.5, "mean along dimension 2")
local mx, at = b:max()
T.is(mx, 4.0, "max value")
T.is(at, 4, "max position (1-based, flat)")
T.near(b:softmax():sum(2):get(1), 1.0, 1e-6, "softmax rows sum to 1")
T.near(tamga.tensor { 3, 4 }:norm(), 5.0, 1e-6, "norm")
T.near(tamga.tensor { 1, 0 }:cosine(tamga.tensor { 1, 1 }), math.sqrt(0.5), 1e-6, "cosine")
T.near(tamga.tensor.cosine_matrix(b, b):get(2, 2), 1.0, 1e-6, "cosine_matrix diagonal")
T.is(b:reshape(4):get(3), 3.0, "reshape")
T.is(b:narrow(2, 1):get(1, 2), 4.0, "narrow")
T.is(#tamga.tensor.zeros(3, 5):totable()[1], 5, "totable")
T.is(tamga.tensor.ones(2, 2):sum(), 4.0, "ones")
T.is(tamga.tensor.full(7, 3):get(2), 7.0, "full")
T.near(tamga.tensor.randn(200, 50, { seed = 3 }):mean(), 0, 0.02, "randn is centred")
T.is(tamga.tensor.rand(4, { seed = 9 }):get(1), tamga.tensor.rand(4, { seed = 9 }):get(1), "rand is seeded")
T.is(b:argmax()[2], 2, "row-wise argmax")
T.is(tamga.tensor { 1, 5, 2 }:argmax(), 2, "argmax of a vector")
do
  local c <close> = tamga.tensor.zeros(2)
  T.is(c:numel(), 2, "a tensor works as a to-be-closed variable")
end

-- model and tokenizer ---------------------------------------------------------------------------------------------
local model = assert(tamga.model.load(tamga.model.default()))
T.is(model.layers, 2, "micro model: 2 layers")
T.is(model.hidden, 64, "micro model: hidden size 64")
T.ok(model.params > 200000, "parameter count")
T.like(tostring(model), "2 layers, hidden 64", "tostring of a model")
T.is(model:config().heads, 2, "config() as a table")
T.ok(#model.languages >= 5, "pretraining languages")
T.ok(#model:weights() > 10, "weights() lists the base tensors")
T.is(model:weight(model:weights()[1]) ~= nil, true, "weight(name) is a view")
local tok = model.tokenizer
local text = "Bugün hava çok güzel."
local ids, words = tok:encode(text)
T.ok(#ids >= 4, "encode gives ids")
T.is(words[#words], 4, "word indices are 1-based")
T.is(tok:decode(ids), text, "decode(encode(s)) == s")
T.is(tok:id(tok:piece(ids[1])), ids[1], "id(piece(i)) == i")
T.is(#tok:pieces(text), #ids, "one piece per id")
local ids2, w2 = tok:encode_words { "Bugün", "hava" }
T.is(w2[#w2], 2, "encode_words")
local st = tamga.tokenizer.stats(model, { text, "Kazakça bir cümle daha." })
T.ok(st.fertility >= 1, "fertility >= 1")
T.ok(st.continued >= 0 and st.continued <= 1, "continued-word share")
local e = model:embed({ "bir", "iki üç" })
T.is(e:size(1), 2, "embed: one row per sentence")
T.is(e:size(2), 64, "embed: hidden size")
T.is(#model:embed({ "bir" }, { layer = "all" }), 3, "embed all layers: embeddings + 2")
do -- batched in length order, each row is still its own sentence's embedding
  local sents = { "bir", "Bugün hava çok güzel ve biz parka gidiyoruz.", "iki üç" }
  local all = model:embed(sents, { batch = 2 })
  local worst = 0
  for i, s in ipairs(sents) do
    local alone = model:embed({ s })
    worst = math.max(worst, (all[i] - alone[1]):norm() / alone[1]:norm())
  end
  T.ok(worst < 1e-5, "embed rows match the sentences embedded one at a time", "relative difference " .. worst)
end
local hs, pieces = model:hidden_states("merhaba dünya")
T.is(#hs, 3, "hidden_states: one tensor per layer")
T.is(hs[1]:size(1), #pieces, "hidden_states: one row per token")
local fm = model:fill_mask("Bugün hava çok <mask> .", 3)
T.is(#fm, 3, "fill_mask gives k candidates")
T.ok(fm[1].p >= fm[2].p, "fill_mask: best first")

-- PEFT specs ------------------------------------------------------------------------------------------------------
local lora = tamga.peft.lora { layers = "0-1", targets = { "q", "v" }, rank = 8, alpha = 16 }
T.is(lora:params(model), 2 * 2 * 8 * (64 + 64), "lora params: layers x targets x r x (in + out)")
T.is(lora:spec(), "lora:layers=0-1,targets=q+v,r=8,alpha=16,dropout=0", "spec() is the canonical string")
T.is(lora.r, 8, "fields: r")
T.is(lora.method, "lora", "fields: method")
T.ok(tamga.peft.parse(lora:spec()) == lora, "parse(spec()) round-trips")
local adapt = tamga.peft.adapter { kind = "pfeiffer", layers = "all", budget = lora:params(model) }
local ap = adapt:params(model)
T.ok(math.abs(ap / lora:params(model) - 1) <= 0.05, "adapter sized to the LoRA budget within 5%")
T.like(adapt:spec(model), "pfeiffer:layers=all", "spec(model) resolves the budget")
T.like(tostring(adapt), "sized to 4096 trainable parameters", "tostring names the budget")
local per, emb = lora:layer_params(model)
T.is(per[0] + per[1], lora:params(model), "per-layer counts add up")
T.is(tamga.peft.head():params(model), 0, "head trains nothing in the encoder")
T.ok(tamga.peft.bitfit { layers = "1" }:params(model) > 0, "bitfit")
local matched, ratio = tamga.peft.lora { layers = "0" }:match(model, adapt)
T.ok(matched and math.abs(ratio - 1) <= 0.05, "match(model, spec)")
T.ok(lora:flops(model).train > 0, "flops")
T.is(#tamga.peft.layers("last:1", 2), 1, "layers('last:1', 2)")

-- tasks and a short run with callbacks ---------------------------------------------------------------------------
local task = tamga.task.udpos { source = "tr", targets = { "kk", "az" }, max_train = 64, max_eval = 24 }
T.like(tostring(task), "udpos: tr -> kk,az", "tostring of a task")
local steps, evals = 0, {}
local run = assert(tamga.train { model = model, task = task, peft = lora, epochs = 2, batch = 16, lr = 5e-3,
  bootstrap = 100, on_step = function(ev) steps = steps + 1; assert(ev.loss == ev.loss) end,
  on_eval = function(ev) evals[#evals + 1] = ev end })
T.is(steps, run.steps, "on_step sees every step")
T.is(run.steps, 8, "2 epochs of 64 sentences in batches of 16")
T.is(#evals, 2 * 4, "on_eval: source dev, source test and 2 targets, at each of 2 evaluations")
T.ok(evals[1].source and evals[1].lang == "tr", "on_eval: the source first")
T.is(run.trainable, lora:params(model) + 64 * 17 + 17, "trainable: the LoRA and the tagging head")
local rep = run:report()
T.is(#rep.rows, 4, "report: source dev, source test, 2 targets")
local kk = rep.by_lang.kk
T.ok(type(kk.chance) == "number" and type(rep.source.chance) == "number" and kk.chance ~= rep.source.chance,
  "each score has its own chance level (majority baseline of its set)")
if rep.source.score > rep.source.chance then
  T.near(kk.ttc, (kk.score - kk.chance) / (rep.source.score - rep.source.chance), 1e-9, "TTC = (A_t - c_t) / (A_s - c_s)")
else
  T.is(kk.ttc, nil, "TTC undefined (nil) when the source is at or below its chance")
end
T.ok(kk.lo <= kk.score and kk.score <= kk.hi, "the score lies in its CI")
local txt = tostring(rep)
T.like(txt, "95% CI", "the printed report has CIs")
T.like(txt, "TTC", "the printed report has TTC")
T.like(txt, "kk    test", "the printed report has a row per target")
T.like(tostring(run), "tamga.Run", "tostring of a run")
T.ok(run:ttc().az ~= nil, "run:ttc()")
local stop_run = assert(tamga.train { model = model, task = task, peft = lora, epochs = 3, eval_every = 1,
  bootstrap = 20, on_eval = function(ev) return ev.step >= 2 end })
T.is(stop_run.steps, 2, "on_eval returning true stops the run")
local stop2 = assert(tamga.train { model = model, task = task, peft = lora, epochs = 3, bootstrap = 20,
  on_step = function(ev) return ev.step == 3 end })
T.is(stop2.steps, 3, "on_step returning true stops the run after that step")
T.is(stop2.status, "cancelled", "a stopped run is stored as cancelled")

-- the store -------------------------------------------------------------------------------------------------------
local store = assert(tamga.store.open())
local runs = store:runs()
T.is(#runs, 3, "store:runs() lists the runs")
T.ok(tamga.Run.is(runs[1]), "store:runs() gives tamga.Run objects")
local again = store:run(run.id)
T.is(again.method, "lora", "store:run(id)")
T.near(again:report().by_lang.kk.score, kk.score, 1e-9, "a stored run reports the same scores")
T.near(again:report().by_lang.kk.ttc, kk.ttc, 1e-9, "and the same TTC")
T.is(#store:runs { status = "cancelled" }, 1, "runs{status=}")
T.is(#store:steps(run.id), 8, "store:steps(id)")
T.ok(#store:evals(run.id, "all") == 8, "store:evals(id, 'all')")
T.like(store:report { run.id }, "kk", "store:report(ids) as Markdown")
T.is(#run:history(), 8, "run:history()")
local curves = run:curves()
T.is(#curves.kk.step, 2, "run:curves(): two evaluations")
T.is(tamga.store.json('{"a": [1, 2]}').a[2], 2, "store.json")

-- data ------------------------------------------------------------------------------------------------------------
local list = tamga.data.list { task = "udpos", lang = "kk" }
T.ok(#list >= 1 and list[1].present, "data.list")
local ds = assert(tamga.data.load("udpos", "kk", "test"))
T.ok(#ds > 100, "data.load: #ds")
T.is(#ds[1].words, #ds[1].tags, "a tagging example has one tag per word")
T.like(tostring(ds), "tagging", "tostring of a dataset")
T.is(#tamga.data.sentences("nli", "kk", "dev", 5), 5, "data.sentences")
T.ok(#tamga.task.languages("udpos") >= 7, "task.languages")

-- plots -----------------------------------------------------------------------------------------------------------
local function size(path)
  local f = io.open(path, "rb")
  if not f then return 0 end
  local n = f:seek("end")
  f:close()
  return n
end
local p = tamga.plot.line { title = "t", x_label = "step", y_label = "acc",
  series = { { name = "kk", x = { 1, 2, 3 }, y = { 0.2, 0.4, 0.5 }, lo = { 0.1, 0.3, 0.4 }, hi = { 0.3, 0.5, 0.6 } } },
  hline = { y = 0.25, label = "chance" } }
T.is(p:save(tmp .. "/line.png", 400, 300), true, "plot:save png")
T.ok(size(tmp .. "/line.png") > 1000, "the PNG has content")
T.is(p:save(tmp .. "/line.svg"), true, "plot:save svg")
local hm = tamga.plot.heatmap { values = { { 1, 0.5 }, { 0.7, 0.9 } }, rows = { "tr", "en" }, cols = { "az", "kk" },
  center = 1 }
T.is(hm:save(tmp .. "/heat.pdf"), true, "heat map as PDF")
local cp = assert(tamga.plot.curves(run))
T.is(cp:save(tmp .. "/curves.png"), true, "plot.curves(run)")
T.like(tamga.plot.curves(run, { text = true, width = 60, height = 12 }), "learning curves", "text learning curves")
T.like(tamga.plot.text { title = "squares", series = { { name = "s", x = { 1, 2, 3 }, y = { 1, 4, 9 } } } },
  "squares", "a text chart")
T.like(tamga.plot.bars({ "az", "kk" }, { 0.5, 0.7 }), "0.70", "text bars")

-- analysis --------------------------------------------------------------------------------------------------------
local ts = assert(tamga.analysis.tokstats(model, { langs = { "tr", "kk" }, max_words = 2000, sample_words = 500 }))
T.is(#ts.langs, 2, "tokstats: one row per language")
T.ok(ts.langs[1].fertility >= 1, "tokstats: fertility")
T.ok(ts.jaccard[1][1] == 1, "tokstats: Jaccard of a language with itself is 1")
local probe = assert(tamga.analysis.probe_pair(model, "tr-kk", { n = 30 }))
T.is(#probe, 3, "probe: embeddings + 2 layers")
T.near(probe[2].margin, probe[2].cos_par - probe[2].cos_rand, 1e-9, "probe: margin = parallel - random cosine")
-- runs of 8 steps may not beat the majority class; a fixed chance level keeps this test about the plumbing
local ttc = assert(tamga.analysis.ttc(store, { n_boot = 50, chance = 0.05 }))
if not T.ok(#ttc.cells >= 2, "analysis.ttc on the store") then
  for _, n in ipairs(ttc.notes) do print("# " .. n) end
end
local cells = tamga.analysis.ttc_runs { run }
T.is(#cells, 2, "ttc_runs: one cell per target")
local m = tamga.analysis.matrix(cells, { rows = "method" })
T.is(#m.cols, 2, "matrix: targets as columns")
local pts = {}
for i, D in ipairs { 100, 200, 400, 800, 1600, 3200 } do
  pts[i] = { D = D, P = 1000, ttc = 0.5, err = 0.1 + 2 * D ^ -0.5 }
end
local fit = assert(tamga.analysis.scaling(pts, { form = "D" }))
T.near(fit.b, 0.5, 0.05, "scaling: the exponent of a synthetic law is recovered")
T.near(tamga.analysis.predict(fit, 400), 0.2, 0.01, "predict")
T.is(#tamga.analysis.scaling_points { run }, 2, "scaling_points: one per target")

T.is(tamga.interrupted(), false, "no interrupt")
T.done()
