result = graphql_query(jwt, '''
    mutation CreateDataSubject($input: CreateDataSubjectInput!) {
        createDataSubject(input: $input) {
            dataSubjectId
            message
        }
    }
''', {
    'input': {
        'event': 'signup',
        'dataControllerId': 'YOUR_CONTROLLER_ID',
        'payload': {
            'displayName': 'Test User',
            'email': 'test@example.com',
            'country': 'US'
        }
    }
})
print('Created:', result['createDataSubject'])
