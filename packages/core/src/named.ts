import { z } from "zod";

/**
 * One numeric parameter of a named choice (leaky_relu's slope, normal's std): what is allowed,
 * and either the default taken when it is left out or, where it must be given, an example value
 * that forms and help texts offer.
 */
export type Parameter =
  | { readonly schema: z.ZodNumber; readonly default: number; readonly doc: string }
  | { readonly schema: z.ZodNumber; readonly example: number; readonly doc: string };

/** The parameters of a choice by name; the first one is what the `name:value` shorthand sets. */
export type Parameters = Readonly<Record<string, Parameter>>;

/** A named choice with its parameters: an activation or an initializer. */
export interface Named<N extends string = string, P extends Parameters = Parameters> {
  readonly name: N;
  readonly parameters: P;
}

type Defaulted<P> = { [K in keyof P]: P[K] extends { default: number } ? K : never }[keyof P];

/** A validated spec of one of the choices `D` (a union): its name and every parameter's value. */
export type SpecOf<D> = D extends Named<infer N, infer P> ? { name: N } & { [K in keyof P]: number } : never;

/** A spec of one of the choices `D` as written: parameters with a default may be left out. */
export type InputOf<D> =
  D extends Named<infer N, infer P> ? { name: N } & { [K in Exclude<keyof P, Defaulted<P>>]: number } & { [K in Defaulted<P>]?: number } : never;

/** Lets `"tanh"` stand for `{ "name": "tanh" }` wherever a named object is expected. */
export function named<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (typeof v === "string" ? { name: v } : v), schema);
}

/**
 * The schema of a spec that names one of `choices`: each choice's parameters with their bounds
 * and defaults, nothing else (unknown fields are errors), and a bare name for a choice whose
 * parameters all have defaults.
 */
export function choiceSchema<const D extends readonly [Named, ...Named[]]>(choices: D): z.ZodType<SpecOf<D[number]>, unknown> {
  const objects = choices.map((c) =>
    z
      .object({
        name: z.literal(c.name),
        ...Object.fromEntries(Object.entries(c.parameters).map(([key, p]) => [key, "default" in p ? p.schema.default(p.default) : p.schema])),
      })
      .strict(),
  );
  return named(z.discriminatedUnion("name", objects as unknown as [(typeof objects)[number], ...(typeof objects)[number][]])) as unknown as z.ZodType<
    SpecOf<D[number]>,
    unknown
  >;
}

/** The value a parameter starts at where a person chooses one: its default, else its example. */
export function suggestedValue(parameter: Parameter): number {
  return "default" in parameter ? parameter.default : parameter.example;
}

/** How a choice is written in the `name:value` shorthand: `elu[:alpha]`, `normal:std`, `tanh`. */
export function shorthand(choice: Named): string {
  const [first] = Object.entries(choice.parameters);
  if (!first) return choice.name;
  return "default" in first[1] ? `${choice.name}[:${first[0]}]` : `${choice.name}:${first[0]}`;
}

/**
 * Reads the `name:value` shorthand: the value sets the choice's first parameter. An unknown name
 * is left for validation to report with the names allowed; a value for a choice without
 * parameters is a RangeError.
 */
export function fromShorthand(choices: readonly Named[], text: string): { name: string } & Record<string, number> {
  const [name = "", value] = text.split(":", 2);
  const choice = choices.find((c) => c.name === name);
  if (value === undefined || choice === undefined) return { name } as { name: string } & Record<string, number>;
  const [first] = Object.keys(choice.parameters);
  if (first === undefined) throw new RangeError(`'${text}': ${name} takes no parameter`);
  return { name, [first]: value.trim() === "" ? NaN : Number(value) } as { name: string } & Record<string, number>;
}

/**
 * A short name of a choice with its parameters: parameters without a default by value, the
 * others as key=value where they differ from it — `normal(0.01)`, `normal(0.01, mean=0.5)`,
 * `xavier_normal`, `orthogonal(gain=2)`, `leaky_relu(alpha=0.1)`. Distinct specs get distinct labels.
 */
export function choiceLabel(choices: readonly Named[], spec: { name: string }): string {
  const values = spec as unknown as Record<string, number>;
  const parameters = Object.entries(choices.find((c) => c.name === spec.name)?.parameters ?? {});
  const parts = parameters.flatMap(([key, p]) => {
    if (!("default" in p)) return [String(values[key])];
    return values[key] === undefined || values[key] === p.default ? [] : [`${key}=${values[key]}`];
  });
  return parts.length === 0 ? spec.name : `${spec.name}(${parts.join(", ")})`;
}
