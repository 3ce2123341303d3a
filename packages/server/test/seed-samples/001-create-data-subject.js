const result = await queryGraphQL(jwt, `
  mutation CreateDataSubject($input: CreateDataSubjectInput!) {
    createDataSubject(input: $input) {
      dataSubjectId
      message
    }
  }
`, {
  input: {
    event: 'signup',
    dataControllerId: 'YOUR_CONTROLLER_ID',
    payload: {
      displayName: 'Test User',
      email: 'test@example.com',
      country: 'US'
    }
  }
});
console.log('Created:', result.createDataSubject);
