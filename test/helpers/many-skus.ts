/** Many SKUs on shelf at once (for the D1 parameter-cap tests: long orders, full carts). */
import { newSeller, postProduct, putOnShelf, type Seller, tshirt } from "./catalog";

const COLOURS = ["黑色", "白色", "灰色", "藏青色", "红色", "蓝色", "绿色"];
const SIZES = ["XS", "S", "M", "L", "XL", "XXL"];
/** Distinct (colour, size) pairs the T-shirt template allows: 42 SKUs per product. */
const COMBOS = COLOURS.flatMap((colour) => SIZES.map((size) => [colour, size] as const));

/** `n` SKUs of `seller` (fresh when omitted) on shelf, `stock` units each at `price` yuan. */
export async function skusOnSale(
  n: number,
  options: { seller?: Seller; stock?: number; price?: number } = {},
): Promise<{ seller: Seller; skuIds: string[] }> {
  const seller = options.seller ?? (await newSeller());
  const skuIds: string[] = [];
  while (skuIds.length < n) {
    const count = Math.min(COMBOS.length, n - skuIds.length);
    const created = await postProduct(
      seller,
      tshirt({
        skus: COMBOS.slice(0, count).map(([colour, size]) => ({
          skuName: `${colour} ${size}`,
          price: options.price ?? 1,
          stock: options.stock ?? 10,
          weightGrams: 10,
          salesAttributes: [
            { attributeId: 201, value: colour },
            { attributeId: 202, value: size },
          ],
        })),
      }),
    );
    if (created.status !== 201) throw new Error(`product: ${created.status} ${JSON.stringify(created.body)}`);
    await putOnShelf(seller, created.body.productId);
    skuIds.push(...created.body.skuIds);
  }
  return { seller, skuIds };
}
