// Load SurveyJS models with the survey-core library, as a SurveyJS form would, and print what it understood.
// Usage: node load_model.js MODEL.json[=OPTIONS.json]...  -> one JSON line per model: its pages, questions
// (with whether each is visible once the answers are given) and load errors.
// OPTIONS is either the answers themselves ({name: value}) or {"answers": ..., "variables": {...}, "locale": "",
// "walk": true}:
// with "walk", a respondent starts the survey, answers each page it is shown (a value at a time, as a person
// would, so triggers run) and presses Next until the survey completes; the report then says which pages were
// shown, which questions were visible on each, and their texts as shown (piped answers and variables filled).
"use strict";
const fs = require("fs");
const { ConditionsParser, Model, Serializer } = require("survey-core");

// Manyi's custom data, registered the way SurveyJS documents custom properties.
Serializer.addProperty("survey", { name: "manyi", visible: false });
Serializer.addProperty("question", { name: "manyi", visible: false });

function texts(locString) {
  return { en: locString.getLocaleText("") || locString.getLocaleText("en"), zh: locString.getLocaleText("zh-cn") };
}

function parses(expression) {
  return expression ? new ConditionsParser().parseExpression(expression) !== null : null;
}

function describe(question) {
  const out = {
    name: question.name,
    type: question.getType(),
    title: texts(question.locTitle),
    isRequired: question.isRequired,
    visibleIf: question.visibleIf || null,
    visibleIfParses: parses(question.visibleIf),
    isVisible: question.isVisible,
    manyi: question.manyi || null,
  };
  if (question.choices) {
    out.choices = question.choices.map((c) => ({ value: c.value, text: texts(c.locText) }));
    out.choicesOrder = question.choicesOrder;
  }
  if (question.getType() === "rating") {
    out.rates = question.visibleRateValues.map((r) => r.value);
  }
  if (question.getType() === "boolean") {
    out.values = [question.valueTrue, question.valueFalse];
  }
  if (question.getType() === "text") {
    out.inputType = question.inputType;
    out.min = question.min;
    out.max = question.max;
  }
  if (question.getType() === "matrix") {
    out.rows = question.rows.map((r) => ({ value: r.value, text: texts(r.locText), visibleIf: r.visibleIf || null,
      visibleIfParses: parses(r.visibleIf) }));
    out.visibleRows = question.visibleRows.map((r) => r.name);
    out.columns = question.columns.map((c) => ({ value: c.value, text: texts(c.locText) }));
  }
  return out;
}

function shown(page) {
  // what a respondent sees on the page now: its description and each visible question's text, filled in
  return {
    name: page.name,
    description: page.description ? page.locDescription.renderedHtml : null,
    questions: page.questions.filter((q) => q.isVisible).map((q) => ({
      name: q.name, title: q.locTitle.renderedHtml, description: q.description ? q.locDescription.renderedHtml : null,
      rows: q.getType() === "matrix" ? q.visibleRows.map((r) => r.name) : null,
    })),
  };
}

function walk(model, answers) {
  // A respondent: start, answer what the current page shows (triggers may move on at once), press Next.
  const pages = [];
  if (model.firstPageIsStarted) {
    pages.push({ name: model.startedPage.name, start: true });
    model.start();
  }
  for (let step = 0; step < 50 && model.state === "running"; step += 1) {
    const page = model.currentPage;
    const seen = shown(page);
    for (const question of page.questions) {
      if (model.currentPage !== page || model.state !== "running") break;
      if (question.isVisible && Object.prototype.hasOwnProperty.call(answers, question.name)) {
        model.setValue(question.name, answers[question.name]);
      }
    }
    if (model.currentPage === page && model.state === "running") {
      Object.assign(seen, shown(page)); // answers given on the page may show more of it
      pages.push(seen);
      const moved = model.isLastPage ? model.completeLastPage() : model.performNext();
      if (!moved) {
        seen.errors = page.questions.filter((q) => q.errors.length).map((q) => q.name);
        break;
      }
    } else {
      seen.left = "on a trigger";
      pages.push(seen);
    }
  }
  return { pages, state: model.state };
}

for (const argument of process.argv.slice(2)) {
  const [path, optionsPath] = argument.split("=");
  const model = new Model(JSON.parse(fs.readFileSync(path, "utf8")));
  let options = optionsPath ? JSON.parse(fs.readFileSync(optionsPath, "utf8")) : {};
  if (!options.walk && !options.answers) {
    options = { answers: options };
  }
  if (options.locale !== undefined) {
    model.locale = options.locale;
  }
  for (const [name, value] of Object.entries(options.variables || {})) {
    model.setVariable(name, value);
  }
  const report = {
    file: path,
    locale: model.locale,
    title: texts(model.locTitle),
    errors: (model.jsonErrors || []).map((e) => e.message),
    manyi: model.manyi || null,
    firstPageIsStarted: model.firstPageIsStarted,
    completedHtml: texts(model.locCompletedHtml),
    navigateToUrl: model.navigateToUrl || null,
    triggers: model.triggers.map((t) => ({ type: t.getType(), expression: t.expression, parses: parses(t.expression),
      gotoName: t.gotoName || null })),
    pages: model.pages.map((p) => ({ name: p.name, visibleIf: p.visibleIf || null, visibleIfParses: parses(p.visibleIf),
      questionsOrder: p.questionsOrder, description: texts(p.locDescription), questions: p.questions.map(describe) })),
  };
  if (options.walk) {
    report.walk = walk(model, options.answers || {});
  } else if (options.answers && Object.keys(options.answers).length) {
    model.data = options.answers;
    report.pages = model.pages.map((p) => ({ name: p.name, visibleIf: p.visibleIf || null,
      questionsOrder: p.questionsOrder, questions: p.questions.map(describe) }));
  }
  process.stdout.write(JSON.stringify(report) + "\n");
}
