// Load SurveyJS models with the survey-core library, as a SurveyJS form would, and print what it understood.
// Usage: node load_model.js MODEL.json[=ANSWERS.json]...  -> one JSON line per model: its pages, questions
// (with whether each is visible once ANSWERS are given) and load errors.
"use strict";
const fs = require("fs");
const { ConditionsParser, Model, Serializer } = require("survey-core");

// Manyi's custom data, registered the way SurveyJS documents custom properties.
Serializer.addProperty("survey", { name: "manyi", visible: false });
Serializer.addProperty("question", { name: "manyi", visible: false });

function texts(locString) {
  return { en: locString.getLocaleText("") || locString.getLocaleText("en"), zh: locString.getLocaleText("zh-cn") };
}

function describe(question) {
  const out = {
    name: question.name,
    type: question.getType(),
    title: texts(question.locTitle),
    isRequired: question.isRequired,
    visibleIf: question.visibleIf || null,
    visibleIfParses: question.visibleIf ? new ConditionsParser().parseExpression(question.visibleIf) !== null : null,
    isVisible: question.isVisible,
    manyi: question.manyi || null,
  };
  if (question.choices) {
    out.choices = question.choices.map((c) => ({ value: c.value, text: texts(c.locText) }));
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
  return out;
}

for (const argument of process.argv.slice(2)) {
  const [path, answers] = argument.split("=");
  const model = new Model(JSON.parse(fs.readFileSync(path, "utf8")));
  if (answers) {
    model.data = JSON.parse(fs.readFileSync(answers, "utf8"));
  }
  const report = {
    file: path,
    locale: model.locale,
    title: texts(model.locTitle),
    errors: (model.jsonErrors || []).map((e) => e.message),
    manyi: model.manyi || null,
    pages: model.pages.map((p) => ({ name: p.name, questions: p.questions.map(describe) })),
  };
  process.stdout.write(JSON.stringify(report) + "\n");
}
