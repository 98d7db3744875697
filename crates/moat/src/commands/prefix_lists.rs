//! `moat deploy | diff`: fill the template's managed prefix list parameters (declared in its
//! `Metadata: moat: managed_prefix_lists`, see `moat_cfn::prefix_lists`) from
//! `ec2:DescribeManagedPrefixLists`, and say which list each id is so the pre-deploy check
//! judges the rule by the list's name.

use anyhow::{bail, Result};
use moat_aws::Aws;
use moat_model::PrefixList;

/// Parameters and the lists moat now knows by id and name.
pub struct Filled {
    pub params: Vec<(String, String)>,
    pub lists: Vec<PrefixList>,
}

/// Fill each declared parameter the user did not give (`--param` wins; its list is named
/// too) with the id of `com.amazonaws.<region>.<service>`. A region without that list is an
/// error: the stack cannot be created without the parameter.
pub async fn fill(
    aws: &Aws,
    region: &str,
    template: &str,
    mut params: Vec<(String, String)>,
) -> Result<Filled> {
    let declared = moat_cfn::managed_prefix_list_parameters("the synthesized template", template)?;
    let mut lists = Vec::new();
    for d in declared {
        let name = PrefixList::aws_managed_name(region, &d.service);
        if let Some((_, given)) = params.iter().find(|(k, _)| *k == d.parameter) {
            lists.extend(moat_aws::prefix_lists_by_id(aws, std::slice::from_ref(given)).await?);
            continue;
        }
        let Some(list) = moat_aws::managed_prefix_list(aws, &name).await? else {
            bail!(
                "region {region} has no managed prefix list {name} (ec2:DescribeManagedPrefixLists found none), which the template's {} parameter names; pass --param {}=pl-…",
                d.parameter,
                d.parameter
            );
        };
        params.push((d.parameter.clone(), list.id.to_string()));
        lists.push(list);
    }
    Ok(Filled { params, lists })
}
