//! `Fn::Cidr`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-cidr.html
//! `[ipBlock, count, cidrBits]`: the first `count` subnets with `cidrBits` host bits.
use super::*;
use crate::value::Val;
use ipnet::IpNet;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let a = args(cx, "Fn::Cidr", arg, 3, 3)?;
    let mut t = Vec::with_capacity(3);
    for n in a {
        match cx.resolve(env, n)?.text() {
            Ok(s) => t.push((s, n.pos)),
            Err(w) => return Ok(V::unknown(format!("Fn::Cidr of {w}"), at)),
        }
    }
    let (block, count, bits) = match t.as_slice() {
        [b, c, h] => (b, c, h),
        _ => return Err(cx.err(arg.pos, "Fn::Cidr takes [ipBlock, count, cidrBits]")),
    };
    let net: IpNet = block.0.trim().parse().map_err(|_| {
        cx.err(
            block.1,
            format!("Fn::Cidr: `{}` is not a CIDR block", block.0),
        )
    })?;
    let count: usize = count
        .0
        .trim()
        .parse()
        .ok()
        .filter(|c| (1..=256).contains(c))
        .ok_or_else(|| cx.err(count.1, "Fn::Cidr: count must be 1 to 256"))?;
    let host_bits: u8 = bits
        .0
        .trim()
        .parse()
        .map_err(|_| cx.err(bits.1, "Fn::Cidr: cidrBits must be a number"))?;
    let prefix = net
        .max_prefix_len()
        .checked_sub(host_bits)
        .filter(|p| *p >= net.prefix_len())
        .ok_or_else(|| {
            cx.err(
                bits.1,
                format!("Fn::Cidr: {host_bits} host bits do not fit in {net}"),
            )
        })?;
    let subnets = net
        .subnets(prefix)
        .map_err(|_| cx.err(bits.1, "Fn::Cidr: bad prefix"))?;
    let list: Vec<V> = subnets
        .take(count)
        .map(|s| V::str(s.to_string(), at))
        .collect();
    if list.len() < count {
        return Err(cx.err(
            at,
            format!("Fn::Cidr: {net} holds fewer than {count} such subnets"),
        ));
    }
    Ok(V::new(Val::List(list), at))
}
