// A JavaScript client (graphql-request) runs a query and a mutation with variables against
// GRAPHQL_URL; prints both results as JSON for tests/test_real_clients.py.
import { GraphQLClient, gql } from 'graphql-request';

const client = new GraphQLClient(process.env.GRAPHQL_URL, {
  headers: { authorization: `Bearer ${process.env.GRAPHQL_TOKEN}` },
});

const products = gql`
  query Products($first: Int!, $category: ProductCategory) {
    products(first: $first, filter: { category: $category }) {
      totalCount
      edges { node { id name category } }
    }
  }
`;
const create = gql`
  mutation Create($input: CreateProductInput!) {
    createProduct(input: $input) { product { id name status } errors { field code message } }
  }
`;

const listed = await client.request(products, { first: 5, category: 'NAVAL_DRONE' });
const created = await client.request(create, { input: JSON.parse(process.env.PRODUCT_INPUT) });
process.stdout.write(JSON.stringify({ listed, created }));
