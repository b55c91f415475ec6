// omnicloud/deploy: bootstrapping servers over SSH. The steps and deployNode land with the deployment
// issue; the entry point exists now so the package's export map is stable.
export const DEPLOY_AVAILABLE = false;
