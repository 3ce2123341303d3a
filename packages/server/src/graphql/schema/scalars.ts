import {
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLInt,
  GraphQLScalarType,
  GraphQLString,
  Kind,
  type GraphQLScalarType as Scalar,
  valueFromASTUntyped,
} from 'graphql';
import type { ScalarType } from '../model.js';

/**
 * Hasura's Postgres scalars. Values pass through to Postgres as bound parameters, which does the
 * real checking (a bad uuid becomes a data-exception), as Hasura lets it.
 */
function passThrough(name: string, literalKinds: Kind[]): GraphQLScalarType {
  return new GraphQLScalarType({
    name,
    serialize: (value) => value,
    parseValue: (value) => value,
    parseLiteral: (node, variables) => {
      if (!literalKinds.includes(node.kind)) throw new TypeError(`unexpected literal for ${name}`);
      return valueFromASTUntyped(node, variables);
    },
  });
}

const uuid = passThrough('uuid', [Kind.STRING]);
const timestamptz = passThrough('timestamptz', [Kind.STRING]);
const numeric = passThrough('numeric', [Kind.INT, Kind.FLOAT, Kind.STRING]);
const bigint = passThrough('bigint', [Kind.INT, Kind.STRING]);
const jsonb = passThrough('jsonb', [
  Kind.OBJECT,
  Kind.LIST,
  Kind.STRING,
  Kind.INT,
  Kind.FLOAT,
  Kind.BOOLEAN,
  Kind.NULL,
]);

export const SCALARS: Record<ScalarType, Scalar> = {
  uuid,
  timestamptz,
  numeric,
  bigint,
  jsonb,
  String: GraphQLString,
  Int: GraphQLInt,
  Boolean: GraphQLBoolean,
  Float: GraphQLFloat,
};
